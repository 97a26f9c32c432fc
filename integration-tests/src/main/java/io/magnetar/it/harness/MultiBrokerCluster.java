package io.magnetar.it.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster as an operator runs one: {@code bin/pulsar zookeeper}, {@code initialize-cluster-metadata},
 * {@code bin/pulsar bookie} and N × {@code bin/pulsar broker}, all from one installation with Magnetar
 * installed by its install.sh. For tests that need topic ownership to move between brokers.
 */
public final class MultiBrokerCluster implements PulsarCluster {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final String clusterName;
    private final Path dir;
    private final Path home;
    private final int zkPort = Ports.free();
    private final PulsarProcess zookeeper;
    private final PulsarProcess bookie;
    private final List<BrokerNode> brokers = new ArrayList<>();
    private final List<CpuQuota> cpuQuotas = new ArrayList<>();
    private final Builder builder;

    private MultiBrokerCluster(Builder b) {
        this.builder = b;
        this.clusterName = b.name;
        this.dir = PulsarRuntime.newRunDir(b.name);
        this.home = PulsarRuntime.installation(dir, b.magnetar);
        Path data = dir.resolve("data");

        Map<String, String> zkConf = new LinkedHashMap<>();
        zkConf.put("dataDir", data.resolve("zookeeper").toString());
        zkConf.put("dataLogDir", data.resolve("zookeeper").toString());
        zkConf.put("clientPort", Integer.toString(zkPort));
        zkConf.put("clientPortAddress", "127.0.0.1");
        zkConf.put("admin.enableServer", "false");
        zkConf.put("metricsProvider.httpHost", "127.0.0.1");
        zkConf.put("metricsProvider.httpPort", Integer.toString(Ports.free()));
        this.zookeeper = new PulsarProcess("zookeeper", home, dir.resolve("logs/zookeeper"), List.of("zookeeper"),
                Map.of("PULSAR_ZK_CONF", ConfFile.write(home.resolve("conf/zookeeper.conf"),
                                dir.resolve("conf/zookeeper.conf"), zkConf).toString(),
                        "PULSAR_MEM", "-Xms64m -Xmx256m"));

        Map<String, String> bkConf = new LinkedHashMap<>();
        bkConf.put("bookiePort", Integer.toString(Ports.free()));
        bkConf.put("advertisedAddress", "127.0.0.1");
        bkConf.put("allowLoopback", "true");
        bkConf.put("journalDirectories", data.resolve("bookie/journal").toString());
        bkConf.put("ledgerDirectories", data.resolve("bookie/ledgers").toString());
        bkConf.put("metadataServiceUri", "metadata-store:zk:127.0.0.1:" + zkPort);
        bkConf.put("httpServerEnabled", "false");
        bkConf.put("prometheusStatsHttpAddress", "127.0.0.1");
        bkConf.put("prometheusStatsHttpPort", Integer.toString(Ports.free()));
        bkConf.put("dbStorage_writeCacheMaxSizeMb", "64");
        bkConf.put("dbStorage_readAheadCacheMaxSizeMb", "64");
        bkConf.put("dbStorage_rocksDB_blockCacheSize", "33554432");
        bkConf.put("journalPreAllocSizeMB", "4");
        this.bookie = new PulsarProcess("bookie", home, dir.resolve("logs/bookie"), List.of("bookie"),
                Map.of("PULSAR_BOOKKEEPER_CONF", ConfFile.write(home.resolve("conf/bookkeeper.conf"),
                                dir.resolve("conf/bookkeeper.conf"), bkConf).toString(),
                        "BOOKIE_MEM", "-Xms128m -Xmx384m -XX:MaxDirectMemorySize=256m"));

        for (int i = 0; i < b.brokers; i++) {
            brokers.add(newBroker(i));
        }
    }

    private BrokerNode newBroker(int index) {
        int brokerPort = Ports.free();
        int webPort = Ports.free();
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("clusterName", clusterName);
        conf.put("metadataStoreUrl", "zk:127.0.0.1:" + zkPort);
        conf.put("configurationMetadataStoreUrl", "zk:127.0.0.1:" + zkPort);
        conf.put("brokerServicePort", Integer.toString(brokerPort));
        conf.put("webServicePort", Integer.toString(webPort));
        conf.put("bindAddress", "127.0.0.1");
        conf.put("advertisedAddress", "127.0.0.1");
        conf.put("managedLedgerDefaultEnsembleSize", "1");
        conf.put("managedLedgerDefaultWriteQuorum", "1");
        conf.put("managedLedgerDefaultAckQuorum", "1");
        conf.put("functionsWorkerEnabled", "false");
        conf.put("brokerDeleteInactiveTopicsEnabled", "false");
        // A killed broker's ownership is released when its metadata session expires.
        conf.put("metadataStoreSessionTimeoutMillis", "10000");
        conf.put("brokerShutdownTimeoutMs", "10000");
        conf.putAll(builder.brokerConf);
        String name = "broker-" + index;
        Path confFile = ConfFile.write(home.resolve("conf/broker.conf"), dir.resolve("conf/" + name + ".conf"), conf);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PULSAR_BROKER_CONF", confFile.toString());
        env.put("PULSAR_MEM", builder.brokerMemory);
        env.putAll(builder.env);
        if (builder.brokerLeakLevel != null
                && LeakReports.level().filter(level -> !level.equals("disabled")).isPresent()) {
            env.put("PULSAR_EXTRA_OPTS", LeakReports.pulsarExtraOpts(builder.brokerLeakLevel));
        }
        CpuQuota quota = null;
        if (builder.brokerCpuCores > 0) {
            quota = CpuQuota.create(dir.getFileName() + "-" + name, builder.brokerCpuCores);
            cpuQuotas.add(quota);
        }
        return new BrokerNode(new PulsarProcess(name, home, dir.resolve("logs/" + name), List.of("broker"), env,
                quota), brokerPort, webPort, null);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public MultiBrokerCluster start() {
        zookeeper.start();
        zookeeper.awaitReady("serving", START_TIMEOUT, () -> "imok".equals(fourLetterWord("ruok")));

        BrokerNode first = brokers.get(0);
        PulsarProcess init = new PulsarProcess("initialize-cluster-metadata", home, dir.resolve("logs/init"),
                List.of("initialize-cluster-metadata", "--cluster", clusterName,
                        "--metadata-store", "zk:127.0.0.1:" + zkPort,
                        "--configuration-metadata-store", "zk:127.0.0.1:" + zkPort,
                        "--web-service-url", first.webUrl(),
                        "--broker-service-url", first.serviceUrl()),
                Map.of("PULSAR_MEM", "-Xms64m -Xmx256m"));
        init.start();
        int code = init.awaitExit(START_TIMEOUT);
        if (code != 0) {
            throw new IllegalStateException("initialize-cluster-metadata failed (" + code + "):\n" + init.logTail(60));
        }

        bookie.start();
        bookie.awaitReady("registered", START_TIMEOUT, () -> bookie.logContains("RegisterBookie"));

        CompletableFuture.allOf(brokers.stream().map(b -> CompletableFuture.runAsync(() -> {
            b.process().start();
            b.awaitHealthy(START_TIMEOUT);
        })).toArray(CompletableFuture[]::new)).join();
        return this;
    }

    /** Adds and starts one more broker (an operator scaling out). */
    public BrokerNode addBroker() {
        BrokerNode node = newBroker(brokers.size());
        brokers.add(node);
        node.process().start();
        node.awaitHealthy(START_TIMEOUT);
        return node;
    }

    private String fourLetterWord(String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", zkPort), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public List<BrokerNode> brokers() {
        return Collections.unmodifiableList(brokers);
    }

    /**
     * kill -9 of the cluster's only bookie, {@code down} without it, then a start on the same journal and ledgers;
     * returns once it serves again. A bookie refuses to start while its previous registration has not expired
     * (the killed process's metadata session), so it is started again until it stays up.
     */
    public void killAndRestartBookie(Duration down) {
        String started = "Started component bookie-server";
        String refused = "Couldn't register bookie";
        bookie.kill9();
        PulsarProcess.sleep(down.toMillis());
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            int startedBefore = bookie.logLinesContaining(started).size();
            int refusedBefore = bookie.logLinesContaining(refused).size();
            bookie.start();
            while (bookie.isAlive() && bookie.logLinesContaining(started).size() <= startedBefore
                    && System.nanoTime() < deadline) {
                PulsarProcess.sleep(250);
            }
            // a bookie whose registration was refused logs that first, then that it started, then exits
            if (bookie.isAlive() && bookie.logLinesContaining(started).size() > startedBefore
                    && bookie.logLinesContaining(refused).size() == refusedBefore) {
                return;
            }
            bookie.kill9();
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("the bookie did not start again within " + START_TIMEOUT + ":\n"
                        + bookie.logTail(40));
            }
            PulsarProcess.sleep(2_000);
        }
    }

    @Override
    public void close() {
        CompletableFuture.allOf(brokers.stream().map(b -> CompletableFuture.runAsync(() -> b.process().close()))
                .toArray(CompletableFuture[]::new)).join();
        bookie.close();
        zookeeper.close();
        cpuQuotas.forEach(CpuQuota::remove);
        PulsarRuntime.deleteTree(dir.resolve("data"));
        LeakReports.assertNoneWhenDetecting("cluster " + clusterName, List.of(dir.resolve("logs")));
    }

    public static final class Builder {
        private final String name;
        private int brokers = 2;
        private boolean magnetar = true;
        private final Map<String, String> brokerConf = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String brokerMemory = "-Xms256m -Xmx512m -XX:MaxDirectMemorySize=384m";
        private double brokerCpuCores;
        private String brokerLeakLevel;

        private Builder(String name) {
            if (!name.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("cluster name must match [a-z][a-z0-9-]*: " + name);
            }
            this.name = name;
        }

        public Builder brokers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("at least one broker");
            }
            this.brokers = count;
            return this;
        }

        public Builder magnetar(boolean installed) {
            this.magnetar = installed;
            return this;
        }

        public Builder brokerConf(String key, String value) {
            brokerConf.put(key, value);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /**
         * Runs every broker in its own cgroup limited to {@code cores} CPUs, so each reports its own CPU load to
         * the load manager instead of the host's (see {@link CpuQuota}).
         */
        public Builder brokerCpuQuota(double cores) {
            this.brokerCpuCores = cores;
            return this;
        }

        /**
         * The brokers' Netty leak detector level when the build asks for detection, instead of the build's level
         * (their logs are scanned for reports all the same): for tests that measure the brokers' own CPU load.
         */
        public Builder brokerLeakDetection(String level) {
            this.brokerLeakLevel = level;
            return this;
        }

        public Builder brokerMemory(String pulsarMem) {
            this.brokerMemory = pulsarMem;
            return this;
        }

        public MultiBrokerCluster start() {
            return new MultiBrokerCluster(this).start();
        }
    }
}
