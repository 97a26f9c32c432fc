package io.magnetar.bench.offload;

import io.magnetar.bench.Host;
import io.magnetar.bench.report.Report;
import io.magnetar.it.harness.PulsarRuntime;
import io.magnetar.it.harness.S3ProxyServer;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.apache.pulsar.client.admin.LongRunningProcessStatus;
import org.apache.pulsar.client.admin.OffloadProcessStatus;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SizeUnit;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.apache.pulsar.common.policies.data.ManagedLedgerInternalStats.LedgerInfo;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.apache.pulsar.common.policies.data.OffloadedReadPriority;

/**
 * Magnetar's {@code magnetar-s3} offloader vs Pulsar's jcloud driver {@code S3} on one standalone broker (both NARs
 * in {@code offloaders/}, one namespace each) and one s3proxy, identical data, at 0 ms and with injected S3 latency:
 * offload MB/s, read-back MB/s once the BookKeeper copies are deleted, 4 parallel readers, broker CPU-seconds per GB.
 */
public final class OffloadBenchmark {
    private static final int PAYLOAD = 50_000;
    private static final long[] LATENCIES_MS = {0, 40};
    private static final String MAGNETAR = "magnetar";
    private static final String JCLOUD = "jcloud";
    private static final String BK_DELETED_LINE = "Deleted and invalidated offloaded ledger";
    private static final Pattern BK_DELETED = Pattern.compile(BK_DELETED_LINE + " (\\d+) from bookkeeper");

    /** One driver's namespace and bucket. */
    private record Driver(String label, String driver, String namespace, String bucket) { }

    /** One driver's figures at one latency. */
    private static final class Figures {
        double offloadMbps;
        double readMbps;
        double parallelMbps;
        double parallelMinMbps;
        boolean parallelCapped;
        double offloadCpu;
        double readCpu;
        double parallelCpu;
        double s3proxyCpu;
        long ledgerBytes;
        long readBytes;
        long parallelBytes;
        int ledgers;

        long allBytes() {
            return ledgerBytes + readBytes + parallelBytes;
        }

        double cpuPerGb() {
            return (offloadCpu + readCpu + parallelCpu) / (allBytes() / 1e9);
        }
    }

    private final boolean quick;
    private final PrintStream out;
    private final int messages;
    private final int perLedger;
    private final long readCapSeconds;
    private final long[] crcs;

    private OffloadBenchmark(boolean quick, PrintStream out) {
        this.quick = quick;
        this.out = out;
        this.messages = quick ? 1_200 : 8_000;
        this.perLedger = quick ? 200 : 400;
        this.readCapSeconds = quick ? 20 : 60;
        this.crcs = new long[messages];
        for (int i = 0; i < messages; i++) {
            CRC32C crc = new CRC32C();
            crc.update(payload(i));
            crcs[i] = crc.getValue();
        }
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        new OffloadBenchmark(quick, out).run();
    }

    private void run() throws Exception {
        // the admin client validates driver names as the broker does
        System.setProperty("pulsar.extra.offload.drivers", "magnetar-s3");
        Path s3proxyJar = Host.artifact("magnetar.s3proxy.jar", "s3proxy/s3proxy.jar");
        Path jcloudNar = Host.artifact("magnetar.jcloud.nar", "pulsar-offloaders/tiered-storage-jcloud-4.0.8.nar");
        List<Driver> drivers = List.of(
                new Driver(MAGNETAR, "magnetar-s3", "public/offload-magnetar", "bench-magnetar"),
                new Driver(JCLOUD, "S3", "public/offload-jcloud", "bench-jcloud"));

        out.printf("offload benchmark (%s): one Pulsar 4.0.8 standalone with Magnetar installed, drivers"
                + " magnetar-s3 and jcloud S3 (tiered-storage-jcloud 4.0.8) in one namespace each, s3proxy 4.1.0"
                + " on loopback%n",
                quick ? "quick" : "full");
        out.printf("  per driver and latency: %d messages x %d B random (%.0f MB), %d entries per ledger (%d ledgers),"
                + " no batching%n", messages, PAYLOAD, messages * (double) PAYLOAD / 1e6, perLedger,
                messages / perLedger);
        out.printf("  both drivers with defaults (jcloud 64 MiB blocks, 1 MiB read buffer; Magnetar one streamed PUT up"
                + " to 32 MiB else 16 MiB parts x4, 4 MiB GETs, 16 MiB read-ahead, 128 MiB shared block cache,"
                + " no compression); broker entry cache off, read priority bookkeeper-first, deletion lag 0%n");
        out.printf("  read-back after the BookKeeper copies are deleted and an unload; 4 readers at once from earliest,"
                + " each stops at the end or after %d s; MB = 10^6 B%n", readCapSeconds);
        out.printf("  load average at start (1/5/15 min, %d cores): %s%n%n", Runtime.getRuntime().availableProcessors(),
                Host.loadAverages());

        StandaloneCluster broker = StandaloneCluster.builder("bench-offload")
                .memory("-Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g")
                .env("ACCESS_KEY_ID", "bench-access-key")
                .env("ACCESS_KEY_SECRET", "bench-secret-key")
                .conf("managedLedgerMaxEntriesPerLedger", Integer.toString(perLedger))
                .conf("managedLedgerMinLedgerRolloverTimeMinutes", "0")
                .conf("managedLedgerOffloadDeletionLagMs", "0")
                .conf("managedLedgerDataReadPriority", "bookkeeper-first")
                .conf("retentionCheckIntervalInSeconds", "2")
                // every read goes to the offloader, so parallel readers cannot be served from the broker's cache
                .conf("managedLedgerCacheSizeMB", "0")
                .conf("gcWaitTime", "5000")
                .conf("logSizeLimit", Long.toString(64L << 20))
                .conf("journalMaxSizeMB", "256")
                .conf("journalMaxBackups", "1")
                .build();
        Files.copy(jcloudNar, broker.home().resolve("offloaders").resolve(jcloudNar.getFileName()));
        Map<Long, Map<String, Figures>> results = new LinkedHashMap<>();
        try (StandaloneCluster started = broker.start();
             PulsarAdmin admin = broker.newAdmin(0);
             PulsarClient client = PulsarClient.builder().serviceUrl(broker.serviceUrl())
                     .memoryLimit(512, SizeUnit.MEGA_BYTES).build()) {
            long brokerPid = Host.javaPid(broker.broker(0).process().pid());
            for (Driver d : drivers) {
                admin.namespaces().createNamespace(d.namespace);
            }
            for (long latency : LATENCIES_MS) {
                Path dir = PulsarRuntime.workDir().resolve("bench-offload-s3proxy-" + ProcessHandle.current().pid()
                        + "-" + latency);
                try (S3ProxyServer s3 = S3ProxyServer.start(s3proxyJar, dir, latency, quick ? "768m" : "2g")) {
                    for (Driver d : drivers) {
                        s3.createBucket(d.bucket);
                        admin.namespaces().setOffloadPolicies(d.namespace, policies(d, s3.endpoint()));
                    }
                    out.printf("[%d ms] s3proxy %s, fastest ListObjects round trip %.1f ms%n", latency, s3.endpoint(),
                            listRoundTripMs(s3, drivers.get(0).bucket));
                    sleep(1_000); // namespace policy change reaches the broker's cache
                    if (latency == LATENCIES_MS[0]) {
                        for (Driver d : drivers) {
                            warmUp(admin, client, d);
                        }
                    }
                    // alternate which driver goes first from one latency to the next
                    List<Driver> order = latency == LATENCIES_MS[0] ? drivers : List.of(drivers.get(1), drivers.get(0));
                    Map<String, Figures> figures = new LinkedHashMap<>();
                    Map<String, List<LedgerInfo>> data = new LinkedHashMap<>();
                    for (Driver d : order) {
                        figures.put(d.label, new Figures());
                        data.put(d.label, produce(admin, client, topic(d, latency), messages));
                    }
                    for (Driver d : order) {
                        offload(admin, topic(d, latency), data.get(d.label), figures.get(d.label), brokerPid, s3, d,
                                latency);
                    }
                    for (Driver d : order) {
                        awaitBookKeeperDeletion(broker, data.get(d.label));
                    }
                    for (Driver d : order) {
                        Figures f = figures.get(d.label);
                        admin.topics().unload(topic(d, latency));
                        double[] cpu = {Host.cpuSeconds(brokerPid), Host.cpuSeconds(s3.pid())};
                        long[] bytes = new long[1];
                        double[] rate = readers(client, topic(d, latency), 1, bytes);
                        f.readCpu = Host.cpuSeconds(brokerPid) - cpu[0];
                        f.s3proxyCpu += Host.cpuSeconds(s3.pid()) - cpu[1];
                        f.readBytes = bytes[0];
                        f.readMbps = rate[0];
                        out.printf("[%d ms] %-8s read-back, 1 reader: %.1f MB in %.1f s, %.1f MB/s%n", latency, d.label,
                                bytes[0] / 1e6, bytes[0] / 1e6 / rate[0], rate[0]);
                    }
                    for (Driver d : order) {
                        Figures f = figures.get(d.label);
                        admin.topics().unload(topic(d, latency));
                        double[] cpu = {Host.cpuSeconds(brokerPid), Host.cpuSeconds(s3.pid())};
                        long[] bytes = new long[1];
                        double[] rates = readers(client, topic(d, latency), 4, bytes);
                        f.parallelCpu = Host.cpuSeconds(brokerPid) - cpu[0];
                        f.s3proxyCpu += Host.cpuSeconds(s3.pid()) - cpu[1];
                        f.parallelBytes = bytes[0];
                        f.parallelMbps = Arrays.stream(rates).average().orElse(0);
                        f.parallelMinMbps = Arrays.stream(rates).min().orElse(0);
                        f.parallelCapped = bytes[0] < 4L * messages * PAYLOAD;
                        out.printf("[%d ms] %-8s 4 readers: %.1f MB in total, per reader %s MB/s%s%n", latency, d.label,
                                bytes[0] / 1e6, format(rates), f.parallelCapped ? " (capped)" : "");
                    }
                    // topics stay: deleting them would make the offloaders delete objects from this s3proxy
                    // after it is gone, and jcloud retries that on the threads the next offload needs
                    results.put(latency, figures);
                }
            }
        }
        report(results);
    }

    private OffloadPoliciesImpl policies(Driver d, String endpoint) {
        return OffloadPoliciesImpl.create(d.driver, "us-east-1", d.bucket, endpoint, null, null, null, null,
                OffloadPoliciesImpl.DEFAULT_MAX_BLOCK_SIZE_IN_BYTES,
                OffloadPoliciesImpl.DEFAULT_READ_BUFFER_SIZE_IN_BYTES, null, null, 0L,
                OffloadedReadPriority.BOOKKEEPER_FIRST);
    }

    private static String topic(Driver d, long latency) {
        return "persistent://" + d.namespace + "/data-" + latency + "ms";
    }

    /** One ledger through the whole path per driver, so class loading and JIT are not in the first phase. */
    private void warmUp(PulsarAdmin admin, PulsarClient client, Driver d) throws Exception {
        String topic = "persistent://" + d.namespace + "/warm-up";
        List<LedgerInfo> ledgers = produce(admin, client, topic, perLedger);
        offloadAndWait(admin, topic, ledgers);
        admin.topics().unload(topic);
        readers(client, topic, 1, new long[1]);
    }

    private static byte[] payload(int i) {
        byte[] p = new byte[PAYLOAD];
        new SplittableRandom(8_000_000L + i).nextBytes(p);
        return p;
    }

    /** Produces messages 0..count-1 behind a durable subscription, closes the last ledger; the ledgers with data. */
    private List<LedgerInfo> produce(PulsarAdmin admin, PulsarClient client, String topic, int count) throws Exception {
        client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("hold")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
        try (Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic).enableBatching(false)
                .blockIfQueueFull(true).maxPendingMessages(200).create()) {
            List<CompletableFuture<MessageId>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.sendAsync(payload(i)));
            }
            producer.flush();
            for (CompletableFuture<MessageId> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        admin.topics().unload(topic);
        List<LedgerInfo> ledgers = admin.topics().getInternalStats(topic).ledgers;
        List<LedgerInfo> data = ledgers.stream().filter(l -> l.entries > 0).toList();
        if (data.stream().mapToLong(l -> l.entries).sum() != count) {
            throw new IllegalStateException(topic + ": expected " + count + " entries in " + ledgers.size()
                    + " ledgers");
        }
        return data;
    }

    private void offload(PulsarAdmin admin, String topic, List<LedgerInfo> data, Figures f, long brokerPid,
                         S3ProxyServer s3, Driver d, long latency) throws Exception {
        int objectsBefore = s3.list(d.bucket, "").size();
        // With MAGNETAR_BENCH_OFFLOAD_PROFILE=DIR in the environment, the broker's CPU seconds per thread name over
        // the offload phase go to DIR/offload-<driver>-<latency>ms-threads.txt; with MAGNETAR_BENCH_OFFLOAD_JFR=true
        // as well, the phase is recorded with JFR (stacks sampled every millisecond) into DIR/<same>.jfr.
        String jfr = System.getenv("MAGNETAR_BENCH_OFFLOAD_PROFILE");
        boolean record = jfr != null && "true".equals(System.getenv("MAGNETAR_BENCH_OFFLOAD_JFR"));
        String recording = "offload-" + d.label + "-" + latency + "ms";
        Map<String, Double> threadsBefore = jfr == null ? Map.of() : Host.threadCpuSeconds(brokerPid);
        if (record) {
            Host.jcmd(brokerPid, "JFR.start", "name=" + recording,
                    "settings=" + Host.jfrSettingsSamplingEveryMillisecond(jfr));
        }
        double cpu = Host.cpuSeconds(brokerPid);
        double s3cpu = Host.cpuSeconds(s3.pid());
        double seconds = offloadAndWait(admin, topic, data);
        f.offloadCpu = Host.cpuSeconds(brokerPid) - cpu;
        if (record) {
            Host.jcmd(brokerPid, "JFR.stop", "name=" + recording,
                    "filename=" + Paths.get(jfr).toAbsolutePath().resolve(recording + ".jfr"));
        }
        if (jfr != null) {
            Map<String, Double> after = Host.threadCpuSeconds(brokerPid);
            StringBuilder b = new StringBuilder();
            after.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0.0)))
                    .filter(e -> e.getValue() >= 0.01)
                    .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                    .forEach(e -> b.append(String.format("%8.2f %s%n", e.getValue(), e.getKey())));
            Files.writeString(Paths.get(jfr).resolve(recording + "-threads.txt"), b.toString());
        }
        f.s3proxyCpu += Host.cpuSeconds(s3.pid()) - s3cpu;
        f.ledgerBytes = data.stream().mapToLong(l -> l.size).sum();
        f.ledgers = data.size();
        f.offloadMbps = f.ledgerBytes / 1e6 / seconds;
        int objects = s3.list(d.bucket, "").size() - objectsBefore;
        if (objects < 2 * data.size()) {
            throw new IllegalStateException(d.label + ": " + objects + " new objects in " + d.bucket + " for "
                    + data.size() + " ledgers: the offload did not go to this s3proxy");
        }
        out.printf("[%d ms] %-8s offload: %d ledgers, %.1f MB in %.1f s, %.1f MB/s, %d objects%n", latency, d.label,
                data.size(), f.ledgerBytes / 1e6, seconds, f.offloadMbps, objects);
    }

    /** triggerOffload up to the empty current ledger, polls offloadStatus; the seconds it took. */
    private static double offloadAndWait(PulsarAdmin admin, String topic, List<LedgerInfo> data) throws Exception {
        List<LedgerInfo> all = admin.topics().getInternalStats(topic).ledgers;
        long current = all.get(all.size() - 1).ledgerId;
        long start = System.nanoTime();
        admin.topics().triggerOffload(topic, new MessageIdImpl(current, 0, -1));
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            OffloadProcessStatus status = admin.topics().offloadStatus(topic);
            if (status.getStatus() == LongRunningProcessStatus.Status.SUCCESS) {
                break;
            }
            if (status.getStatus() == LongRunningProcessStatus.Status.ERROR) {
                throw new IllegalStateException("offload of " + topic + " failed: " + status.getLastError());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("offload of " + topic + " not done in 10 minutes");
            }
            sleep(50);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Set<Long> ids = new HashSet<>();
        data.forEach(l -> ids.add(l.ledgerId));
        long offloaded = admin.topics().getInternalStats(topic).ledgers.stream()
                .filter(l -> ids.contains(l.ledgerId) && l.offloaded).count();
        if (offloaded != ids.size()) {
            throw new IllegalStateException(topic + ": " + offloaded + " of " + ids.size() + " ledgers offloaded");
        }
        return seconds;
    }

    /** Deletion lag 0: the trimmer deletes each offloaded ledger from BookKeeper, which the broker logs. */
    private static void awaitBookKeeperDeletion(StandaloneCluster broker, List<LedgerInfo> data) {
        Set<Long> wanted = new HashSet<>();
        data.forEach(l -> wanted.add(l.ledgerId));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            Set<Long> deleted = new HashSet<>();
            for (String line : broker.broker(0).process().logLinesContaining(BK_DELETED_LINE)) {
                Matcher m = BK_DELETED.matcher(line);
                if (m.find()) {
                    deleted.add(Long.parseLong(m.group(1)));
                }
            }
            if (deleted.containsAll(wanted)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                wanted.removeAll(deleted);
                throw new IllegalStateException("BookKeeper copies of ledgers " + wanted + " not deleted in 2 minutes");
            }
            sleep(500);
        }
    }

    /**
     * {@code n} fresh readers from earliest at once, each verifying every payload's CRC32C, until the end or the
     * cap; each reader's MB/s, and the bytes all of them read in {@code bytes[0]}.
     */
    private double[] readers(PulsarClient client, String topic, int n, long[] bytes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<CompletableFuture<long[]>> runs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                runs.add(CompletableFuture.supplyAsync(() -> readOnce(client, topic), pool));
            }
            double[] rates = new double[n];
            for (int r = 0; r < n; r++) {
                long[] run = runs.get(r).get(readCapSeconds + 120, TimeUnit.SECONDS);
                bytes[0] += run[0];
                rates[r] = run[0] / 1e6 / (run[1] / 1e9);
            }
            return rates;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Bytes read and nanoseconds taken by one reader. */
    private long[] readOnce(PulsarClient client, String topic) {
        int expected = topic.endsWith("/warm-up") ? perLedger : messages;
        long start = System.nanoTime();
        long cap = start + TimeUnit.SECONDS.toNanos(readCapSeconds);
        long bytes = 0;
        try (Reader<byte[]> reader = client.newReader(Schema.BYTES).topic(topic).startMessageId(MessageId.earliest)
                .receiverQueueSize(100).create()) {
            for (int i = 0; i < expected && System.nanoTime() < cap; i++) {
                Message<byte[]> m = reader.readNext(60, TimeUnit.SECONDS);
                if (m == null) {
                    throw new IllegalStateException(topic + ": message " + i + " not read within 60 s");
                }
                CRC32C crc = new CRC32C();
                crc.update(m.getValue());
                if (crc.getValue() != crcs[i]) {
                    throw new IllegalStateException(topic + ": message " + i + " read back wrong");
                }
                bytes += m.getValue().length;
            }
        } catch (IOException e) {
            throw new IllegalStateException(topic + ": reader failed", e);
        }
        return new long[] {bytes, System.nanoTime() - start};
    }

    private void report(Map<Long, Map<String, Figures>> results) {
        out.printf("  load average at end: %s%n", Host.loadAverages());
        out.println();
        out.printf("%-40s %10s %10s %10s%n", "metric", "Magnetar", "jcloud", "ratio");
        for (Map.Entry<Long, Map<String, Figures>> e : results.entrySet()) {
            String l = " @" + e.getKey() + " ms";
            Figures m = e.getValue().get(MAGNETAR);
            Figures j = e.getValue().get(JCLOUD);
            row("offload MB/s" + l, m.offloadMbps, j.offloadMbps, 1);
            row("read-back MB/s, 1 reader" + l, m.readMbps, j.readMbps, 1);
            row("4 readers, MB/s per reader (mean)" + l, m.parallelMbps, j.parallelMbps, 1);
            row("4 readers, slowest reader MB/s" + l, m.parallelMinMbps, j.parallelMinMbps, 1);
            row("4 readers per reader / 1 reader" + l, m.parallelMbps / m.readMbps, j.parallelMbps / j.readMbps, 2);
            row("broker CPU-s/GB offload" + l, m.offloadCpu / (m.ledgerBytes / 1e9),
                    j.offloadCpu / (j.ledgerBytes / 1e9), 2);
            row("broker CPU-s/GB read, 1 reader" + l, m.readCpu / (m.readBytes / 1e9),
                    j.readCpu / (j.readBytes / 1e9), 2);
            row("broker CPU-s/GB read, 4 readers" + l, m.parallelCpu / (m.parallelBytes / 1e9),
                    j.parallelCpu / (j.parallelBytes / 1e9), 2);
            row("broker CPU-s/GB all phases" + l, m.cpuPerGb(), j.cpuPerGb(), 2);
            row("s3proxy CPU-s/GB all phases" + l, m.s3proxyCpu / (m.allBytes() / 1e9),
                    j.s3proxyCpu / (j.allBytes() / 1e9), 2);
            if (m.parallelCapped || j.parallelCapped) {
                out.printf("  (@%d ms 4 readers capped at %d s:%s%s)%n", e.getKey(), readCapSeconds,
                        m.parallelCapped ? " Magnetar" : "", j.parallelCapped ? " jcloud" : "");
            }
        }
        Map<String, Figures> slow = results.get(LATENCIES_MS[LATENCIES_MS.length - 1]);
        Figures m = slow.get(MAGNETAR);
        Figures j = slow.get(JCLOUD);
        out.println();
        Report.result(out, "offload_speedup_vs_jcloud=%.2f read_speedup_vs_jcloud=%.2f parallel_reader_ratio=%.2f"
                        + " cpu_ratio_vs_jcloud=%.2f", m.offloadMbps / j.offloadMbps, m.readMbps / j.readMbps,
                m.parallelMbps / m.readMbps, m.cpuPerGb() / j.cpuPerGb());
    }

    private void row(String name, double magnetar, double jcloud, int decimals) {
        String f = "%10." + decimals + "f";
        out.printf("%-40s " + f + " " + f + " %10.2f%n", name, magnetar, jcloud, magnetar / jcloud);
    }

    private static String format(double[] rates) {
        StringBuilder sb = new StringBuilder();
        for (double r : rates) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format("%.1f", r));
        }
        return sb.toString();
    }

    /** The fastest of five ListObjects round trips, in ms: proves the injected latency is in effect. */
    private static double listRoundTripMs(S3ProxyServer s3, String bucket) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            s3.list(bucket, "");
            best = Math.min(best, (System.nanoTime() - t) / 1e6);
        }
        return best;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
