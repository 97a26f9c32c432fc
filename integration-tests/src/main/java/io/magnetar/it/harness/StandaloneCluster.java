package io.magnetar.it.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/pulsar standalone}: broker, bookie and metadata store in one process, from a private copy of the
 * distribution with (or without) Magnetar installed by its install.sh.
 */
public final class StandaloneCluster implements PulsarCluster {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Path dir;
    private final Path home;
    private final Path dataDir;
    private final boolean keepData;
    private final BrokerNode node;

    private StandaloneCluster(Builder b) {
        this.dir = PulsarRuntime.newRunDir(b.name);
        this.home = PulsarRuntime.installation(dir, b.magnetar);
        this.keepData = b.dataDir != null;
        this.dataDir = b.dataDir != null ? b.dataDir : dir.resolve("data");
        int brokerPort = b.brokerPort > 0 ? b.brokerPort : Ports.free();
        int webPort = b.webPort > 0 ? b.webPort : Ports.free();

        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("brokerServicePort", Integer.toString(brokerPort));
        conf.put("webServicePort", Integer.toString(webPort));
        conf.put("bindAddress", "127.0.0.1");
        conf.put("advertisedAddress", "127.0.0.1");
        conf.putAll(b.conf);
        Path confFile = ConfFile.write(home.resolve("conf/standalone.conf"), dir.resolve("standalone.conf"), conf);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PULSAR_STANDALONE_CONF", confFile.toString());
        env.put("PULSAR_MEM", b.memory);
        env.putAll(b.env);
        PulsarProcess process = new PulsarProcess(b.name, home, dir.resolve("logs"), List.of("standalone",
                "--no-stream-storage", "--no-functions-worker",
                "--metadata-dir", dataDir.resolve("metadata").toString(),
                "--bookkeeper-dir", dataDir.resolve("bookkeeper").toString()), env);
        this.node = new BrokerNode(process, brokerPort, webPort, b.adminToken);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Starts the process and waits until it is healthy and {@code public/default} exists. */
    public StandaloneCluster start() {
        node.process().start();
        node.process().awaitReady("ready", START_TIMEOUT, () -> node.healthy() && node.hasPublicDefault());
        return this;
    }

    /** Starts the process without waiting: for tests of a broker that must refuse to start. */
    public StandaloneCluster startNoWait() {
        node.process().start();
        return this;
    }

    /** The folder holding this run's installation, configuration, data and logs. */
    public Path dir() {
        return dir;
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public List<BrokerNode> brokers() {
        return List.of(node);
    }

    @Override
    public void close() {
        node.process().close();
        if (!keepData && Files.exists(dataDir)) {
            PulsarRuntime.deleteTree(dataDir);
        }
        LeakReports.assertNoneWhenDetecting(node.process().name(), List.of(node.process().logDir()));
    }

    public static final class Builder {
        private final String name;
        private boolean magnetar = true;
        private final Map<String, String> conf = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path dataDir;
        private int brokerPort;
        private int webPort;
        private String memory = "-Xms256m -Xmx768m -XX:MaxDirectMemorySize=512m";
        private String adminToken;

        private Builder(String name) {
            this.name = name;
        }

        /** With Magnetar installed (the default) or the stock distribution. */
        public Builder magnetar(boolean installed) {
            this.magnetar = installed;
            return this;
        }

        public Builder conf(String key, String value) {
            conf.put(key, value);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** Keeps metadata and ledgers in this folder across runs (not deleted on close). */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder ports(int brokerPort, int webPort) {
            this.brokerPort = brokerPort;
            this.webPort = webPort;
            return this;
        }

        /**
         * With the RocketMQ protocol handler on at {@code 127.0.0.1:port}: the lines {@code conf/magnetar.conf}
         * carries commented out (the handler's offsets are the broker-entry indexes).
         */
        public Builder rocketMq(int port) {
            conf.put("messagingProtocols", "rocketmq");
            conf.put("rocketmqListeners", "rocketmq://127.0.0.1:" + port);
            conf.put("brokerEntryMetadataInterceptors",
                    "org.apache.pulsar.common.intercept.AppendIndexMetadataInterceptor");
            return this;
        }

        /** The token the harness's readiness probes send, for brokers with authentication on. */
        public Builder adminToken(String token) {
            this.adminToken = token;
            return this;
        }

        public Builder memory(String pulsarMem) {
            this.memory = pulsarMem;
            return this;
        }

        public StandaloneCluster build() {
            return new StandaloneCluster(this);
        }

        public StandaloneCluster start() {
            return build().start();
        }
    }
}
