package io.magnetar.bench.delayedbroker;

import io.magnetar.bench.delayedbroker.router.RoutingTrackerFactory;
import io.magnetar.bench.report.Report;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.common.policies.data.SubscriptionStats;

/**
 * {@code bin/magnetar bench delayed-recovery}: Magnetar's tracker, Pulsar's InMemory and Bucket trackers in one
 * real standalone broker (Magnetar installed by install.sh, a routing factory picks the tracker by topic prefix).
 * Each gets one topic with N delayed messages behind one Shared subscription; each topic is unloaded in turn and
 * timed until its subscription holds 99% of them again, counting the BookKeeper reads of that window.
 */
public final class RecoveryBenchmark {
    private static final String SUB = "sub";
    private static final String[] NAMES = {"Magnetar", "InMemory", "Bucket"};
    private static final String[] PREFIXES = {"magnetar-", "inmemory-", "bucket-"};
    /** Backlog entries the managed ledgers read from BookKeeper (cache misses, counted per entry). */
    private static final String ML_ENTRIES = "pulsar_ml_cache_pendingreads_entries_read_total";
    /** Read operations of the broker's BookKeeper client: backlog reads, index and snapshot reads. */
    private static final String BK_READ_OPS = "pulsar_managedLedger_client_bookkeeper_client_READ_ENTRY_count";
    private static final long HOUR = TimeUnit.HOURS.toMillis(1);

    private record Recovery(double seconds, long entries, long readOps, long heldAtEnd, boolean timedOut,
                            double fullSeconds, long fullEntries, boolean fullTimedOut) { }

    private RecoveryBenchmark() {
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        int n = quick ? 100_000 : 1_000_000;
        long recoveryTimeoutMs = quick ? 60_000 : 240_000;
        byte[] payload = new byte[100];
        String run = Long.toString(System.currentTimeMillis() % 100_000);
        out.printf("Delayed delivery, recovery after unload in a real broker (%s): Magnetar vs Pulsar's InMemory and"
                + " Bucket trackers%n", quick ? "quick" : "full");
        out.printf("One Pulsar 4.0.8 standalone with Magnetar installed (install.sh); a routing tracker factory"
                + " (benchmark jar in its lib/) picks the tracker by topic prefix.%n");
        out.printf("Per tracker: 1 topic, 1 Shared subscription with a connected consumer, %,d unbatched 100-byte"
                + " messages due 1-2 h after publish (uniform), ledgers of 50000 entries (min rollover 0).%n", n);
        out.printf("Each topic is unloaded in turn; recovery = unload until msgDelayed >= 99%% of N again.%n%n");

        StandaloneCluster cluster = StandaloneCluster.builder("bench-delayed-recovery")
                .memory("-Xms1g -Xmx1536m -XX:MaxDirectMemorySize=1536m")
                .conf("delayedDeliveryTrackerFactoryClassName", RoutingTrackerFactory.class.getName())
                .conf("managedLedgerMinLedgerRolloverTimeMinutes", "0")
                .conf("bookkeeperClientExposeStatsToPrometheus", "true")
                .build();
        writeRouterJar(cluster.home().resolve("lib/bench-delayed-router.jar"));
        progress("starting the broker in %s", cluster.dir());
        try (StandaloneCluster broker = cluster.start();
             PulsarClient client = broker.newClient();
             PulsarAdmin admin = broker.newAdmin(0)) {
            String[] topics = new String[NAMES.length];
            List<Consumer<byte[]>> consumers = new ArrayList<>();
            for (int i = 0; i < NAMES.length; i++) {
                topics[i] = "persistent://public/default/" + PREFIXES[i] + "recovery-" + run;
                consumers.add(client.newConsumer().topic(topics[i]).subscriptionName(SUB)
                        .subscriptionType(SubscriptionType.Shared)
                        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe());
            }
            long publishStart = System.nanoTime();
            publish(client, topics, n, payload);
            double publishSeconds = (System.nanoTime() - publishStart) / 1e9;
            progress("published %,d x %d in %.1f s", n, topics.length, publishSeconds);
            for (String topic : topics) {
                awaitDelayed(admin, topic, n, n, quick ? 120_000 : 300_000);
            }
            long[] indexBytes = awaitIndexesSettled(admin, topics);

            Map<String, Recovery> recoveries = new LinkedHashMap<>();
            for (int i = 0; i < topics.length; i++) {
                progress("unloading %s", topics[i]);
                recoveries.put(NAMES[i], recover(broker, admin, topics[i], n, recoveryTimeoutMs));
                progress("%s: %s", NAMES[i], recoveries.get(NAMES[i]));
            }
            long[] lateness = lateness(client, topics, consumers);
            for (Consumer<byte[]> c : consumers) {
                c.close();
            }

            out.printf("publish: %,d messages to each of 3 topics in %.1f s%n%n", n, publishSeconds);
            out.printf("%-52s %14s %14s %14s%n", "metric (" + count(n) + " delayed messages per tracker)",
                    NAMES[0], NAMES[1], NAMES[2]);
            row(out, "recovery s (unload until msgDelayed >= 99% of N)",
                    k -> recoveries.get(k).timedOut ? ">" + f2(recoveries.get(k).seconds)
                            : f2(recoveries.get(k).seconds));
            row(out, "BK backlog entries read during recovery", k -> Long.toString(recoveries.get(k).entries));
            row(out, "  entries read / delayed messages",
                    k -> String.format(Locale.ROOT, "%.4f", recoveries.get(k).entries / (double) n));
            row(out, "BK client read ops (backlog + index/snapshots)", k -> Long.toString(recoveries.get(k).readOps));
            row(out, "msgDelayed when recovery ended", k -> Long.toString(recoveries.get(k).heldAtEnd));
            row(out, "s until msgDelayed = N (whole rebuild)",
                    k -> (recoveries.get(k).fullTimedOut ? ">" : "") + f2(recoveries.get(k).fullSeconds));
            row(out, "  BK backlog entries read until then", k -> Long.toString(recoveries.get(k).fullEntries));
            row(out, "index B/msg before unload (tracker's own report)", k -> f2(indexBytes[index(k)] / (double) n));
            row(out, "lateness ms of a 1 s message after recovery", k -> Long.toString(lateness[index(k)]));
            out.println();
            out.printf("BK backlog entries: delta of %s (the managed ledger's reads from BookKeeper, per entry).%n",
                    ML_ENTRIES);
            out.printf("BK client read ops: delta of %s (one op may read a range of entries).%n", BK_READ_OPS);
            out.printf("Index B/msg: subscription stats delayedMessageIndexSizeInBytes / N (getBufferMemoryUsage();"
                    + " not measured heap: the three share one JVM).%n");
            out.printf("Lateness: client receipt time - deliverAt (negative: delivered early).%n");
            out.printf("Recovery speedup = rival s / Magnetar s; entries read ratio = Magnetar / rival.%n%n");

            Recovery m = recoveries.get(NAMES[0]);
            double vsInMemory = recoveries.get(NAMES[1]).seconds / m.seconds;
            double vsBucket = recoveries.get(NAMES[2]).seconds / m.seconds;
            long inMemoryEntries = recoveries.get(NAMES[1]).entries;
            Report.result(out, "recovery_speedup_vs_inmemory=%.2f recovery_speedup_vs_bucket=%.2f"
                            + " entries_read_ratio_vs_inmemory=%.4f", vsInMemory, vsBucket,
                    inMemoryEntries == 0 ? Double.NaN : m.entries / (double) inMemoryEntries);
        }
    }

    /** Round-robin over the topics, up to 1000 in flight per producer; delays from one seeded generator. */
    private static void publish(PulsarClient client, String[] topics, int n, byte[] payload) throws Exception {
        List<Producer<byte[]>> producers = new ArrayList<>();
        for (String t : topics) {
            producers.add(client.newProducer().topic(t).enableBatching(false).maxPendingMessages(1000)
                    .blockIfQueueFull(true).create());
        }
        SplittableRandom random = new SplittableRandom(42);
        List<CompletableFuture<?>> last = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            if (i % 10_000 == 0) {
                now = System.currentTimeMillis();
            }
            long deliverAt = now + HOUR + random.nextLong(HOUR);
            for (Producer<byte[]> p : producers) {
                CompletableFuture<?> f = p.newMessage().value(payload).deliverAt(deliverAt).sendAsync();
                if (i == n - 1) {
                    last.add(f);
                }
            }
            if (i > 0 && i % 100_000 == 0) {
                progress("published %,d per topic", i);
            }
        }
        for (Producer<byte[]> p : producers) {
            p.flush();
        }
        CompletableFuture.allOf(last.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (Producer<byte[]> p : producers) {
            p.close();
        }
    }

    /** Waits until the subscription reports at least {@code min} delayed messages; returns the last count seen. */
    private static long awaitDelayed(PulsarAdmin admin, String topic, long min, int n, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        long seen = -1;
        while (System.currentTimeMillis() < deadline) {
            try {
                seen = subStats(admin, topic).getMsgDelayed();
                if (seen >= min) {
                    return seen;
                }
            } catch (Exception reloading) {
                // topic not loaded yet or moving: poll again
            }
            Thread.sleep(100);
        }
        progress("%s: %,d of %,d delayed after %d s", topic, seen, n, timeoutMs / 1000);
        return seen;
    }

    private static Recovery recover(StandaloneCluster broker, PulsarAdmin admin, String topic, int n,
                                    long timeoutMs) throws Exception {
        Map<String, Double> before = scrape(broker);
        long start = System.nanoTime();
        admin.topics().unload(topic);
        long target = (long) Math.ceil(n * 0.99);
        long held = awaitDelayed(admin, topic, target, n, timeoutMs);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> after = scrape(broker);
        long entries = Math.round(after.getOrDefault(ML_ENTRIES, 0.0) - before.getOrDefault(ML_ENTRIES, 0.0));
        long ops = Math.round(after.getOrDefault(BK_READ_OPS, 0.0) - before.getOrDefault(BK_READ_OPS, 0.0));
        // the rest of the rebuild (the unsealed tail re-read), finished before the next topic is unloaded
        long all = awaitDelayed(admin, topic, n, n, timeoutMs);
        double fullSeconds = (System.nanoTime() - start) / 1e9;
        long fullEntries = Math.round(scrape(broker).getOrDefault(ML_ENTRIES, 0.0)
                - before.getOrDefault(ML_ENTRIES, 0.0));
        return new Recovery(seconds, entries, ops, held, held < target, fullSeconds, fullEntries, all < n);
    }

    /** Sends one message due in 1 s to every topic; lateness = receipt - deliverAt, received asynchronously. */
    private static long[] lateness(PulsarClient client, String[] topics, List<Consumer<byte[]>> consumers)
            throws Exception {
        List<CompletableFuture<Long>> received = new ArrayList<>();
        for (Consumer<byte[]> c : consumers) {
            received.add(c.receiveAsync().thenApply(m -> {
                long at = System.currentTimeMillis();
                c.acknowledgeAsync(m);
                return at - m.getProperties().entrySet().stream().filter(e -> e.getKey().equals("deliverAt"))
                        .mapToLong(e -> Long.parseLong(e.getValue())).findFirst().orElse(at);
            }));
        }
        for (String t : topics) {
            try (Producer<byte[]> p = client.newProducer().topic(t).enableBatching(false).create()) {
                long deliverAt = System.currentTimeMillis() + 1_000;
                p.newMessage().value(new byte[100]).property("deliverAt", Long.toString(deliverAt))
                        .deliverAt(deliverAt).send();
            }
        }
        long[] late = new long[topics.length];
        for (int i = 0; i < topics.length; i++) {
            late[i] = received.get(i).get(60, TimeUnit.SECONDS);
        }
        return late;
    }

    private static SubscriptionStats subStats(PulsarAdmin admin, String topic) throws Exception {
        return admin.topics().getStats(topic).getSubscriptions().get(SUB);
    }

    /** Sums of the two counters over all label sets, from the broker's Prometheus endpoint. */
    private static Map<String, Double> scrape(StandaloneCluster broker) {
        Http.Response r = Http.get(broker.webUrl() + "/metrics/");
        if (r.status() != 200) {
            throw new IllegalStateException("metrics: " + r.status());
        }
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            for (String name : new String[] {ML_ENTRIES, BK_READ_OPS}) {
                if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                    if (name.equals(BK_READ_OPS) && !line.contains("success=\"true\"")) {
                        continue;
                    }
                    double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    sums.merge(name, v, Double::sum);
                }
            }
        }
        return sums;
    }

    /** The router's classes as a jar, so the broker loads only them from the benchmark. */
    private static void writeRouterJar(Path jar) throws IOException, URISyntaxException {
        Path classes = Paths.get(RoutingTrackerFactory.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        String pkg = RoutingTrackerFactory.class.getPackageName().replace('.', '/');
        Path dir = classes.resolve(pkg);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("expected the router's classes in a directory, not " + classes);
        }
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
             Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                out.putNextEntry(new JarEntry(pkg + "/" + f.getFileName()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
    }

    private static int index(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static void row(PrintStream out, String label, java.util.function.Function<String, String> cell) {
        out.printf("%-52s %14s %14s %14s%n", label, cell.apply(NAMES[0]), cell.apply(NAMES[1]),
                cell.apply(NAMES[2]));
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String count(int n) {
        return n >= 1_000_000 ? (n / 1_000_000) + "M" : (n / 1_000) + "k";
    }

    private static void progress(String format, Object... args) {
        Report.progress("delayed-recovery", format, args);
    }

    /**
     * Waits until Bucket and Magnetar have persisted what they sealed: their in-memory index sizes (which drop as
     * sealed data reaches storage) are unchanged over a second of polls, or 30 s passed. Returns those sizes.
     */
    private static long[] awaitIndexesSettled(PulsarAdmin admin, String[] topics) throws Exception {
        long[] last = new long[topics.length];
        int unchanged = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (unchanged < 4 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            boolean same = true;
            for (int i = 0; i < topics.length; i++) {
                long bytes = subStats(admin, topics[i]).getDelayedMessageIndexSizeInBytes();
                same &= bytes == last[i];
                last[i] = bytes;
            }
            unchanged = same ? unchanged + 1 : 0;
        }
        return last;
    }
}
