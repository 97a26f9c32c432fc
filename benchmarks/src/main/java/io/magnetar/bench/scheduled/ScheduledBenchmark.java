package io.magnetar.bench.scheduled;

import static io.magnetar.bench.report.Report.median;

import io.magnetar.bench.Host;
import io.magnetar.bench.report.Report;
import io.magnetar.bench.report.Table;
import io.magnetar.delayed.IndexStats;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * {@code bin/magnetar bench scheduled [--quick]}: RocketMQ-style scheduled messages on one real standalone broker
 * with Magnetar installed and {@code delay} on for {@code public}: publish throughput of scheduled vs plain sends,
 * lateness of short delays, broker heap per held message, and the time to hold them again after a kill -9.
 */
public final class ScheduledBenchmark {
    // one namespace per phase: a broker that takes a bundle loads all its topics, and held counts are broker-wide
    private static final String PUBLISH_NS = "public/sched-publish";
    private static final String LATENESS_NS = "public/sched-lateness";
    private static final String HEAP_NS = "public/sched-heap";
    private static final String HELD = "magnetar_schedule_messages_held";
    private static final String APPENDED = "magnetar_schedule_messages_appended_total";
    private static final String LATE_WITHIN = "magnetar_schedule_appended_late_within_total";
    private static final String FAILURES = "magnetar_schedule_failures_total";
    private static final int IN_FLIGHT = 1000;
    private static final long SEED = 0x5c4ed_51edL;

    private ScheduledBenchmark() {
    }

    /** {@code late}: receive - client due; {@code appendLate}: the broker's append time (publish time) - client due. */
    private record Lateness(Histogram late, Histogram appendLate, long sent, long received, long early, long minMs,
                            long duplicates) { }

    public static void run(boolean quick, PrintStream out) throws Exception {
        int rounds = quick ? 2 : 4;
        long warmupMs = quick ? 1_000 : 2_000;
        long measureMs = quick ? 4_000 : 8_000;
        int rate = 2_000;
        long latenessMs = quick ? 10_000 : 30_000;
        long heapTarget = quick ? 100_000 : 10_000_000;
        long heapBudgetMs = quick ? 50_000 : 180_000;
        byte[] payload = new byte[1024];
        Arrays.fill(payload, (byte) 's');
        SplittableRandom random = new SplittableRandom(SEED);

        out.printf("scheduled-messages benchmark (%s): one Pulsar 4.0.8 standalone with Magnetar, delay on for"
                + " tenant public; load average at start %s%n", quick ? "quick" : "full", Host.loadAverage());
        out.printf("  publish: 1 KiB, batching off, %d in flight, plain vs TIMER_DELAY_SEC=60..3600; one discarded"
                + " warm-up round (r0) then %d alternating rounds of %d s (after %d s warm-up), medians%n",
                IN_FLIGHT, rounds, measureMs / 1000, warmupMs / 1000);
        out.printf("  lateness: %d msg/s for %d s, TIMER_DELAY_MS=1000..5000, Exclusive consumer; due = client send"
                + " time + delay (a lower bound of the broker's)%n", rate, latenessMs / 1000);
        out.printf("  heap: up to %d messages with TIMER_DELAY_SEC=2 h..2 d (stops after %d s), heap used after"
                + " jcmd GC.run before/after; recovery: kill -9, restart, healthy -> held >= 99 %%%n%n",
                heapTarget, heapBudgetMs / 1000);

        StandaloneCluster cluster = StandaloneCluster.builder("bench-scheduled")
                .memory("-Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g")
                .conf("gcWaitTime", "5000")
                .conf("logSizeLimit", Long.toString(64L << 20))
                .conf("journalMaxSizeMB", "256")
                .conf("journalMaxBackups", "1")
                .start();
        try {
            Http.Response on = Http.put(cluster.webUrl() + "/magnetar/v1/tenants/public/features", "{\"delay\":true}");
            if (on.status() != 200) {
                throw new IllegalStateException("could not switch delay on: " + on.status() + " " + on.body());
            }
            BrokerProbe probe = new BrokerProbe(cluster.webUrl(), cluster.broker(0).process().pid());
            List<Double> plain = new ArrayList<>();
            List<Double> scheduled = new ArrayList<>();
            Lateness lateness;
            double[] brokerWithin;
            double brokerAppended;
            long heapBefore;
            long heapAfter;
            long heapInfoBefore;
            long heapInfoAfter;
            long filled;
            double fillSeconds;
            double heldAfterRelease;
            String heapTopic = "persistent://" + HEAP_NS + "/held";
            long primed;
            try (PulsarClient client = cluster.newClient(); PulsarAdmin admin = cluster.newAdmin(0)) {
                for (String ns : List.of(PUBLISH_NS, LATENESS_NS, HEAP_NS)) {
                    admin.namespaces().createNamespace(ns);
                }
                // lateness first: the throughput rounds' 60 s+ delays come due later and would mix into it
                progress("lateness warm-up");
                lateness(client, "persistent://" + LATENESS_NS + "/warmup", payload, rate, quick ? 2_000 : 5_000,
                        random);
                String before = probe.scrape();
                progress("lateness");
                lateness = lateness(client, "persistent://" + LATENESS_NS + "/measured", payload, rate, latenessMs,
                        random);
                String after = probe.scrape();
                brokerAppended = delta(before, after, APPENDED, null);
                brokerWithin = new double[IndexStats.LATENESS_BOUNDS_MS.length];
                for (int i = 0; i < brokerWithin.length; i++) {
                    brokerWithin[i] = delta(before, after, LATE_WITHIN,
                            "le=\"" + IndexStats.LATENESS_BOUNDS_MS[i] + "\"");
                }

                Table table = new Table(out, "%-6d", "%-10s", "%14.0f").header("round", "messages", "publish msg/s");
                for (int r = 0; r <= rounds; r++) {
                    for (int i = 0; i < 2; i++) {
                        boolean isScheduled = (i == 0) == (r % 2 == 0);
                        String topic = "persistent://" + PUBLISH_NS + "/r" + r
                                + (isScheduled ? "-scheduled" : "-plain");
                        progress("publish round " + r + (isScheduled ? " scheduled" : " plain"));
                        double msgs = throughput(client, topic, payload, isScheduled, random, warmupMs, measureMs);
                        // unloaded, not deleted: a deleted topic's scheduler stays registered and keeps its messages
                        release(admin, topic, isScheduled, out);
                        if (r > 0) {
                            (isScheduled ? scheduled : plain).add(msgs);
                        }
                        table.row(r, isScheduled ? "scheduled" : "plain", msgs);
                    }
                }
                heldAfterRelease = probe.value(HELD, null);

                // the topic's scheduler, log and index exist before the baseline: the delta is per message
                progress("heap prime");
                primed = fill(client, heapTopic, payload, random, heapTarget / 20, heapBudgetMs);
                progress("heap baseline");
                heapBefore = probe.heapAfterGc();
                heapInfoBefore = probe.heapInfoUsed();
                progress("heap fill");
                long fillStart = System.nanoTime();
                filled = fill(client, heapTopic, payload, random, heapTarget, heapBudgetMs);
                fillSeconds = (System.nanoTime() - fillStart) / 1e9;
                progress("heap after fill");
                heapAfter = probe.heapAfterGc();
                heapInfoAfter = probe.heapInfoUsed();
            }
            double heldBeforeKill = probe.value(HELD, null);
            long total = primed + filled;
            double failuresBeforeKill = probe.value(FAILURES, null);

            progress("kill -9 and restart");
            long killed = System.nanoTime();
            cluster.broker(0).killAndRestart(StandaloneCluster.START_TIMEOUT);
            long healthy = System.nanoTime();
            probe = new BrokerProbe(cluster.webUrl(), cluster.broker(0).process().pid());
            double loadedSeconds;
            double recoverySeconds;
            double fullSeconds = Double.NaN;
            double heldRecovered;
            try (PulsarClient client = cluster.newClient();
                 Producer<byte[]> touch = client.newProducer().topic(heapTopic).enableBatching(false).create()) {
                loadedSeconds = (System.nanoTime() - healthy) / 1e9;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                while ((heldRecovered = probe.value(HELD, null)) < 0.99 * total && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                recoverySeconds = (System.nanoTime() - healthy) / 1e9;
                long fullDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (heldRecovered >= 0.99 * total && System.nanoTime() < fullDeadline) {
                    if ((heldRecovered = probe.value(HELD, null)) >= total) {
                        fullSeconds = (System.nanoTime() - healthy) / 1e9;
                        break;
                    }
                    Thread.sleep(100);
                }
            }
            boolean recovered = heldRecovered >= 0.99 * total;
            double failures = probe.value(FAILURES, null);

            double plainMedian = median(plain);
            double scheduledMedian = median(scheduled);
            double ratio = scheduledMedian / plainMedian;
            Histogram h = lateness.late();
            double p50 = h.getValueAtPercentile(50);
            double p99 = h.getValueAtPercentile(99);
            double bytesPerMessage = (heapAfter - heapBefore) / (double) filled;

            out.println();
            out.printf("%-52s %s%n", "metric", "value");
            row(out, "publish plain, median msg/s", "%.0f", plainMedian);
            row(out, "publish scheduled, median msg/s", "%.0f", scheduledMedian);
            row(out, "publish ratio scheduled / plain (target >= 0.7)", "%.3f", ratio);
            row(out, "lateness: received / sent (duplicates)", "%d / %d (%d)", lateness.received(),
                    lateness.sent(), lateness.duplicates());
            row(out, "lateness p50 / p99 / max ms (receive - client due)", "%.0f / %.0f / %d", p50, p99,
                    h.getMaxValue());
            row(out, "  of which broker append (publish time) - client due", "%d / %d / %d",
                    lateness.appendLate().getValueAtPercentile(50), lateness.appendLate().getValueAtPercentile(99),
                    lateness.appendLate().getMaxValue());
            row(out, "early: received before client due (most early ms)", "%d (%d)", lateness.early(),
                    lateness.early() > 0 ? -lateness.minMs() : 0);
            row(out, "broker: appended in the lateness phase", "%.0f", brokerAppended);
            row(out, "broker: appended <= 0 / 10 / 100 / 1000 ms late", "%s", withinSummary(brokerWithin,
                    brokerAppended, 0, 10, 100, 1000));
            row(out, "broker: p99 of appends late by at most", "%s", percentileBound(brokerWithin, brokerAppended,
                    0.99));
            row(out, "held after unloading the publish topics", "%.0f", heldAfterRelease);
            row(out, "heap fill: scheduled messages, seconds", "%d in %.0f s (after %d primed)", filled, fillSeconds,
                    primed);
            row(out, "heap used after GC before / after, MiB", "%.1f / %.1f (GC.heap_info %d / %d)",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, heapInfoBefore >> 20, heapInfoAfter >> 20);
            row(out, "heap bytes per scheduled message", "%.1f", bytesPerMessage);
            row(out, "held before kill -9 / after recovery", "%.0f / %.0f", heldBeforeKill, heldRecovered);
            row(out, "restart: kill -9 -> broker healthy, s", "%.1f", (healthy - killed) / 1e9);
            row(out, "recovery: healthy -> topic loaded (producer created), s", "%.1f", loadedSeconds);
            row(out, "recovery: healthy -> held >= 99 %, s", "%.1f%s", recoverySeconds,
                    recovered ? "" : " (NOT reached)");
            row(out, "recovery: healthy -> held = all, s", "%.1f", fullSeconds);
            row(out, "magnetar_schedule_failures_total before kill / after", "%.0f / %.0f", failuresBeforeKill,
                    failures);
            out.println();
            Report.result(out, "publish_ratio_vs_plain=%.3f p99_lateness_ms=%.0f early=%d"
                    + " heap_bytes_per_scheduled_msg=%.1f recovery_s=%s", ratio, p99, lateness.early(),
                    bytesPerMessage, recovered ? Report.root("%.1f", recoverySeconds) : "NaN");
        } finally {
            cluster.close();
        }
    }

    /** Acknowledged msg/s over the window after the warm-up, unbatched, {@link #IN_FLIGHT} in flight. */
    private static double throughput(PulsarClient client, String topic, byte[] payload, boolean scheduled,
                                     SplittableRandom random, long warmupMs, long measureMs) throws Exception {
        try (Producer<byte[]> producer = producer(client, topic)) {
            Sender sender = new Sender();
            long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
            long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
            long ackedAtStart = -1;
            while (true) {
                long now = System.nanoTime();
                if (ackedAtStart < 0 && now >= measureFrom) {
                    ackedAtStart = sender.acked.get();
                }
                if (now >= end) {
                    break;
                }
                TypedMessageBuilder<byte[]> m = producer.newMessage().value(payload);
                if (scheduled) {
                    m.property("TIMER_DELAY_SEC", Integer.toString(60 + random.nextInt(3541)));
                }
                sender.send(m);
            }
            long inWindow = sender.acked.get() - ackedAtStart;
            sender.drain(topic);
            return inWindow * 1000.0 / measureMs;
        }
    }

    /** Schedules up to {@code count} messages far in the future within the budget; returns how many were acked. */
    private static long fill(PulsarClient client, String topic, byte[] payload, SplittableRandom random, long count,
                             long budgetMs) throws Exception {
        try (Producer<byte[]> producer = producer(client, topic)) {
            Sender sender = new Sender();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs);
            for (long i = 0; i < count && System.nanoTime() < end; i++) {
                sender.send(producer.newMessage().value(payload)
                        .property("TIMER_DELAY_SEC", Integer.toString(7_200 + random.nextInt(165_600))));
            }
            sender.drain(topic);
            return sender.acked.get();
        }
    }

    /**
     * A fixed-rate stream of short timers consumed by an Exclusive consumer; lateness = receive time - (client
     * send time + delay), in ms. Waits for every message (or 20 s past the last due time).
     */
    private static Lateness lateness(PulsarClient client, String topic, byte[] payload, int rate, long durationMs,
                                     SplittableRandom random) throws Exception {
        Histogram late = new Histogram(TimeUnit.HOURS.toMillis(1), 3);
        Histogram appendLate = new Histogram(TimeUnit.HOURS.toMillis(1), 3);
        AtomicLong sent = new AtomicLong();
        AtomicLong lastDue = new AtomicLong();
        long[] early = new long[1];
        long[] minMs = {Long.MAX_VALUE};
        long[] duplicates = new long[1];
        BitSet seen = new BitSet();
        AtomicReference<Throwable> consumerError = new AtomicReference<>();
        try (Consumer<byte[]> consumer = client.newConsumer().topic(topic).subscriptionName("lateness")
                .subscriptionType(SubscriptionType.Exclusive).receiverQueueSize(5_000).subscribe();
             Producer<byte[]> producer = producer(client, topic)) {
            Thread receiver = new Thread(() -> {
                try {
                    long received = 0;
                    while (true) {
                        long total = sent.get();
                        if (total < 0 && received >= -total
                                || total < 0 && System.currentTimeMillis() > lastDue.get() + 20_000) {
                            return;
                        }
                        Message<byte[]> m = consumer.receive(100, TimeUnit.MILLISECONDS);
                        if (m == null) {
                            continue;
                        }
                        long now = System.currentTimeMillis();
                        int seq = Integer.parseInt(m.getProperty("bench-seq"));
                        if (seen.get(seq)) {
                            duplicates[0]++;
                        } else {
                            seen.set(seq);
                            received++;
                            long due = Long.parseLong(m.getProperty("bench-due"));
                            long l = now - due;
                            appendLate.recordValue(Math.max(0, m.getPublishTime() - due));
                            minMs[0] = Math.min(minMs[0], l);
                            if (l < 0) {
                                early[0]++;
                            }
                            late.recordValue(Math.max(0, l));
                        }
                        consumer.acknowledgeAsync(m);
                    }
                } catch (Throwable e) {
                    consumerError.set(e);
                }
            }, "lateness-consumer");
            receiver.start();

            Sender sender = new Sender();
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(durationMs);
            int seq = 0;
            for (long i = 0; ; i++) {
                long at = start + i * interval;
                if (at >= end) {
                    break;
                }
                long wait;
                while ((wait = at - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 200_000));
                }
                long delay = 1_000 + random.nextInt(4_001);
                long due = System.currentTimeMillis() + delay;
                lastDue.set(due);
                sender.send(producer.newMessage().value(payload).property("TIMER_DELAY_MS", Long.toString(delay))
                        .property("bench-due", Long.toString(due)).property("bench-seq", Integer.toString(seq++)));
            }
            sender.drain(topic);
            sent.set(-seq); // negative: sending is over, this many to receive
            receiver.join();
            if (consumerError.get() != null) {
                throw new IllegalStateException("lateness consumer failed", consumerError.get());
            }
            return new Lateness(late, appendLate, seq, seen.cardinality(), early[0], minMs[0], duplicates[0]);
        }
    }

    private static Producer<byte[]> producer(PulsarClient client, String topic) throws Exception {
        return client.newProducer().topic(topic).enableBatching(false).maxPendingMessages(IN_FLIGHT)
                .blockIfQueueFull(true).sendTimeout(60, TimeUnit.SECONDS).create();
    }

    /** Async sends with at most {@link #IN_FLIGHT} unacknowledged. */
    private static final class Sender {
        private final Semaphore permits = new Semaphore(IN_FLIGHT);
        final AtomicLong acked = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicReference<Throwable> firstError = new AtomicReference<>();

        void send(TypedMessageBuilder<byte[]> message) throws InterruptedException {
            permits.acquire();
            message.sendAsync().whenComplete((id, e) -> {
                if (e == null) {
                    acked.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, e);
                }
                permits.release();
            });
        }

        /** Waits for every send to complete; fails if any did. */
        void drain(String topic) throws InterruptedException {
            if (!permits.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sends on " + topic + " still pending after 120 s");
            }
            permits.release(IN_FLIGHT);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " sends failed on " + topic, firstError.get());
            }
        }
    }

    /** Plain topics are deleted; scheduled ones unloaded (their schedulers close, their messages stay stored). */
    private static void release(PulsarAdmin admin, String topic, boolean scheduled, PrintStream out) {
        try {
            if (scheduled) {
                admin.topics().unload(topic);
            } else {
                admin.topics().delete(topic, true);
            }
        } catch (Exception e) {
            out.printf("  (releasing %s failed: %s)%n", topic, e);
        }
    }

    private static double delta(String before, String after, String family, String label) {
        return BrokerProbe.value(after, family, label) - BrokerProbe.value(before, family, label);
    }

    private static String withinSummary(double[] within, double total, long... bounds) {
        StringBuilder sb = new StringBuilder();
        for (long bound : bounds) {
            int i = Arrays.binarySearch(IndexStats.LATENESS_BOUNDS_MS, bound);
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format("%.1f %%",
                    total > 0 ? 100 * within[i] / total : Double.NaN));
        }
        return sb.toString();
    }

    /** The smallest histogram bound holding the given fraction of the appends. */
    private static String percentileBound(double[] within, double total, double fraction) {
        for (int i = 0; i < within.length; i++) {
            if (total > 0 && within[i] >= fraction * total) {
                return IndexStats.LATENESS_BOUNDS_MS[i] + " ms";
            }
        }
        return "> " + IndexStats.LATENESS_BOUNDS_MS[within.length - 1] + " ms";
    }

    private static void row(PrintStream out, String name, String format, Object... args) {
        out.printf("%-52s %s%n", name, String.format(format, args));
    }

    private static void progress(String phase) {
        Report.progress("scheduled", phase);
    }
}
