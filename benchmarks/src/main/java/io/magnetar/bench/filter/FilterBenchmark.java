package io.magnetar.bench.filter;

import io.magnetar.bench.Host;
import io.magnetar.bench.report.Report;
import io.magnetar.bench.report.Table;
import io.magnetar.client.TaggedMessages;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * {@code bin/magnetar bench filter [--quick]}: one real standalone broker with Magnetar, tagFilter, retry and
 * deadLetter on for tenant {@code public}. Per producer kind (unbatched; batched with Pulsar's default batcher,
 * the per-message path; batched with {@link TaggedMessages}, the header fast path), a backlog of messages tagged
 * TagA / TagB alternately is drained by a {@code TAGS=TagA} subscription and by an unfiltered one reading the same
 * number of messages; broker CPU is read around each drain. Then {@link DeadLetterRuns}: kill -9 runs while a
 * consumer nacks everything into the dead-letter topic.
 */
public final class FilterBenchmark {
    static final String NAMESPACE = "public/filter-bench";
    private static final int PAYLOAD = 128;
    private static final int IN_FLIGHT = 5_000;

    private enum Kind {
        UNBATCHED("unbatched"), BATCHED("batched, default batcher (per message)"),
        TAGGED("batched, TaggedMessages (header)");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One drain: messages after the first, seconds from the first to the last, broker CPU seconds meanwhile. */
    private record Drain(long messages, double seconds, double cpuSeconds, long wrong, long duplicates,
                         long missing) {
        double rate() {
            return messages / seconds;
        }
    }

    private record Scenario(Kind kind, long published, List<Drain> filtered, List<Drain> unfiltered) {
        double filteredRate() {
            return total(filtered, Drain::messages) / total(filtered, Drain::seconds);
        }

        double unfilteredRate() {
            return total(unfiltered, Drain::messages) / total(unfiltered, Drain::seconds);
        }

        /** Broker CPU seconds per million messages the filter looked at (every message of the topic, per drain). */
        double filteredCpuPerMillion() {
            return total(filtered, Drain::cpuSeconds) / (published * filtered.size()) * 1e6;
        }

        double unfilteredCpuPerMillion() {
            return total(unfiltered, Drain::cpuSeconds) / total(unfiltered, Drain::messages) * 1e6;
        }

        /** Per measured round, filtered ÷ unfiltered rate (both drains of a round run back to back). */
        double[] roundRatios() {
            double[] r = new double[filtered.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = filtered.get(i).rate() / unfiltered.get(i).rate();
            }
            return r;
        }

        double medianRatio() {
            double[] v = roundRatios().clone();
            Arrays.sort(v);
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Filtered deliveries of a non-TagA message, and duplicates in either drain. */
        long wrong() {
            return (long) (total(filtered, d -> d.wrong() + d.duplicates()) + total(unfiltered, Drain::duplicates));
        }

        /** Messages a drain waited for in vain (5 s without any). */
        long missing() {
            return (long) (total(filtered, Drain::missing) + total(unfiltered, Drain::missing));
        }

        private static double total(List<Drain> drains, java.util.function.ToDoubleFunction<Drain> f) {
            return drains.stream().mapToDouble(f).sum();
        }
    }

    private FilterBenchmark() {
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        long batchedMessages = quick ? 600_000 : 2_000_000;
        long unbatchedMessages = quick ? 30_000 : 150_000;
        int rounds = quick ? 5 : 7;
        out.printf("filter benchmark (%s): one Pulsar 4.0.8 standalone with Magnetar, tagFilter+retry+deadLetter on"
                + " for tenant public, acknowledgmentAtBatchIndexLevelEnabled=true; load average at start %s%n",
                quick ? "quick" : "full", Host.loadAverages());
        out.printf("  throughput: %d B messages tagged TagA/TagB alternately, LZ4; backlog of %d (batched) / %d"
                + " (unbatched) per topic; subscription TAGS=TagA drains its half, an unfiltered one drains the"
                + " same number; one discarded warm-up round then %d rounds, order alternated; ratio = median over"
                + " rounds of filtered/unfiltered msg/s; Shared, receiverQueueSize 1000, async acks%n",
                PAYLOAD, batchedMessages, unbatchedMessages, rounds - 1);
        out.printf("  broker CPU: JVM process CPU time (broker + bookie + metadata in one standalone process) over"
                + " each drain, per million messages the filter examined (filtered) / delivered (unfiltered)%n%n");

        StandaloneCluster cluster = StandaloneCluster.builder("bench-filter")
                .memory("-Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g")
                .conf("acknowledgmentAtBatchIndexLevelEnabled", "true")
                .conf("logSizeLimit", Long.toString(64L << 20))
                .start();
        try {
            BrokerCpu.watch(cluster.broker(0).process().pid());
            Http.Response on = Http.put(cluster.webUrl() + "/magnetar/v1/tenants/public/features",
                    "{\"tagFilter\":true,\"retry\":true,\"deadLetter\":true}");
            if (on.status() != 200) {
                throw new IllegalStateException("could not switch the features on: " + on.status() + " " + on.body());
            }
            List<Scenario> scenarios = new ArrayList<>();
            try (PulsarClient client = cluster.newClient(); PulsarAdmin admin = cluster.newAdmin(0)) {
                admin.namespaces().createNamespace(NAMESPACE);
                // the flag reaches the entry filter's own view through the metadata store
                Thread.sleep(2_000);
                for (Kind kind : Kind.values()) {
                    long n = kind == Kind.UNBATCHED ? unbatchedMessages : batchedMessages;
                    scenarios.add(scenario(client, admin, kind, kind.name().toLowerCase(), n, rounds));
                }
            }
            Table table = new Table(out, "%-40s", "%12.0f", "%12.0f", "%7.3f", "%7.3f", "%14.2f", "%14.2f", "%6d",
                    "%8d").header("producer", "unfiltered/s", "filtered/s", "ratio", "(sums)", "CPU s/1M filt",
                    "CPU s/1M unf", "wrong", "missing");
            for (Scenario s : scenarios) {
                table.row(s.kind().label,
                        s.unfilteredRate(), s.filteredRate(), s.medianRatio(), s.filteredRate() / s.unfilteredRate(),
                        s.filteredCpuPerMillion(), s.unfilteredCpuPerMillion(), s.wrong(), s.missing());
            }
            out.println("  per measured round, filtered / unfiltered msg/s (odd rounds drain the filtered subscription"
                    + " first):");
            for (Scenario s : scenarios) {
                StringBuilder sb = new StringBuilder();
                for (int r = 0; r < s.filtered().size(); r++) {
                    Drain f = s.filtered().get(r);
                    Drain u = s.unfiltered().get(r);
                    sb.append(String.format("  r%d %.0f / %.0f", r + 1, f.rate(), u.rate()));
                    if (f.missing() + u.missing() > 0) {
                        sb.append(String.format(" (missing %d / %d)", f.missing(), u.missing()));
                    }
                }
                out.printf("    %-40s%s%n", s.kind().label, sb);
            }
            out.println("  msg/s columns: sums over the measured rounds; CPU: broker CPU seconds per million messages"
                    + " examined by the filter (every message of the topic) / delivered unfiltered");
            out.println("  wrong = filtered deliveries of a non-TagA message + duplicates; missing = messages a drain"
                    + " still expected when nothing came for 5 s (its rate then covers what it received)");
            out.println();

            progress("dead-letter runs");
            DeadLetterRuns.Result dlq = DeadLetterRuns.run(cluster, quick, out);

            Scenario fast = scenarios.get(Kind.TAGGED.ordinal());
            double ratio = fast.medianRatio();
            out.printf("%nbroker logs: %s; load average at end %s%n", cluster.dir().resolve("logs"),
                    Host.loadAverages());
            Report.result(out, "filtered_ratio_vs_unfiltered=%.3f lost=%d dlq_duplicates=%d", ratio, dlq.lost(),
                    dlq.duplicates());
        } finally {
            cluster.close();
        }
    }

    private static Scenario scenario(PulsarClient client, PulsarAdmin admin, Kind kind, String name, long messages,
                                     int rounds) throws Exception {
        String topic = "persistent://" + NAMESPACE + "/" + name;
        // the subscriptions exist before the backlog: their filter is stored when the cursor is created
        for (int r = 0; r < rounds; r++) {
            subscribe(client, topic, "filtered-" + r, Map.of("TAGS", "TagA")).close();
            subscribe(client, topic, "unfiltered-" + r, Map.of()).close();
        }
        progress(name + ": publish " + messages);
        publish(client, topic, kind, messages);
        List<Drain> filtered = new ArrayList<>();
        List<Drain> unfiltered = new ArrayList<>();
        long half = messages / 2;
        for (int r = 0; r < rounds; r++) {
            boolean filteredFirst = r % 2 == 1;
            for (int i = 0; i < 2; i++) {
                boolean isFiltered = (i == 0) == filteredFirst;
                progress(name + ": round " + r + (isFiltered ? " filtered" : " unfiltered"));
                Drain d = drain(client, topic, (isFiltered ? "filtered-" : "unfiltered-") + r, half, isFiltered);
                (isFiltered ? filtered : unfiltered).add(d);
            }
        }
        admin.topics().delete(topic, true);
        // round 0 warms the broker's and the client's code paths for this producer kind; it is not counted
        return new Scenario(kind, messages, filtered.subList(1, rounds), unfiltered.subList(1, rounds));
    }

    private static Consumer<byte[]> subscribe(PulsarClient client, String topic, String subscription,
                                              Map<String, String> properties) throws Exception {
        return client.newConsumer().topic(topic).subscriptionName(subscription)
                .subscriptionType(SubscriptionType.Shared).subscriptionProperties(properties)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .enableBatchIndexAcknowledgment(true).receiverQueueSize(1000).subscribe();
    }

    /** Message i is tagged TagA when i is even, TagB when odd; property {@code seq} = i. */
    private static void publish(PulsarClient client, String topic, Kind kind, long messages) throws Exception {
        ProducerBuilder<byte[]> builder = client.newProducer().topic(topic).compressionType(CompressionType.LZ4)
                .maxPendingMessages(IN_FLIGHT).blockIfQueueFull(true).sendTimeout(120, TimeUnit.SECONDS)
                .batchingMaxMessages(500).batchingMaxPublishDelay(10, TimeUnit.MILLISECONDS);
        builder = switch (kind) {
            case UNBATCHED -> builder.enableBatching(false);
            case BATCHED -> builder.enableBatching(true);
            case TAGGED -> TaggedMessages.producer(builder);
        };
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) 'f');
        Semaphore permits = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Producer<byte[]> producer = builder.create()) {
            for (long i = 0; i < messages && failure.get() == null; i++) {
                String tag = i % 2 == 0 ? "TagA" : "TagB";
                TypedMessageBuilder<byte[]> m = producer.newMessage().value(payload).property("seq", Long.toString(i));
                m = kind == Kind.TAGGED ? TaggedMessages.tag(m, tag) : m.property(TaggedMessages.TAGS, tag);
                permits.acquire();
                m.sendAsync().whenComplete((id, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    permits.release();
                });
            }
            producer.flush();
            if (!permits.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS) || failure.get() != null) {
                throw new IllegalStateException("publishing to " + topic + " failed", failure.get());
            }
        }
    }

    /** Receives {@code count} messages; a filtered drain checks it got exactly the TagA ones. */
    private static Drain drain(PulsarClient client, String topic, String subscription, long count,
                               boolean filtered) throws Exception {
        BitSet seen = new BitSet();
        long wrong = 0;
        long duplicates = 0;
        long received = 0;
        double cpuBefore = BrokerCpu.seconds();
        long start = System.nanoTime();
        long first = -1;
        long last = start;
        try (Consumer<byte[]> consumer = subscribe(client, topic, subscription, Map.of())) {
            long deadline = start + TimeUnit.SECONDS.toNanos(300);
            while (received < count && System.nanoTime() < deadline) {
                Message<byte[]> m = consumer.receive(5, TimeUnit.SECONDS);
                if (m == null) {
                    break;
                }
                last = System.nanoTime();
                if (first < 0) {
                    first = last;
                }
                int seq = Integer.parseInt(m.getProperty("seq"));
                if (seen.get(seq)) {
                    duplicates++;
                } else {
                    seen.set(seq);
                    received++;
                    if (filtered && !"TagA".equals(m.getProperty(TaggedMessages.TAGS))) {
                        wrong++;
                    }
                }
                consumer.acknowledgeAsync(m);
            }
        }
        double cpu = BrokerCpu.seconds() - cpuBefore;
        if (received < count) {
            FilterBenchmark.progress(subscription + ": nothing for 5 s after " + received + " of " + count);
        }
        // the rate counts the messages after the first, over the time since the first (connecting is left out)
        return new Drain(Math.max(0, received - 1), first < 0 ? Double.NaN : (last - first) / 1e9, cpu, wrong,
                duplicates, count - received);
    }

    static void progress(String phase) {
        Report.progress("filter", phase);
    }

    /** The broker process's CPU time; the process is looked up once per benchmark (it changes on restart). */
    static final class BrokerCpu {
        private static final AtomicLong PID = new AtomicLong(-1);

        private BrokerCpu() {
        }

        static void watch(long pid) {
            PID.set(pid);
        }

        static double seconds() {
            return ProcessHandle.of(PID.get()).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos)
                    .orElse(0L) / 1e9;
        }
    }
}
