package io.magnetar.bench.delayed;

import io.magnetar.bench.report.Report;
import io.magnetar.delayed.DelayIndexSettings;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.BucketDelayedDeliveryTracker;

/**
 * {@code bin/magnetar bench delayed [--quick]}: Magnetar's tracker and Pulsar 4.0.7's InMemory and Bucket trackers
 * (the real classes, broker defaults) driven in one process through {@link DelayedDeliveryTracker} as the
 * dispatcher drives them: memory per message, lateness, drain rate and recovery after an unload. One table, then
 * one RESULT line.
 */
public final class DelayedBenchmark {
    private static final long HOUR = 3_600_000;
    private static final long T0 = 1_800_000_000_000L;
    private static final long SEED = 0x5eed_de1a_7edL;
    private static final int LATENESS_RATE = 10_000;
    private static final long MIN_DELAY = 500;
    private static final long MAX_DELAY = 5_000;
    private static final int RECOVERIES = 3;

    private record Subject(BenchDispatcher dispatcher, ManualClock clock, DelayedDeliveryTracker tracker) { }

    /** Per message: reported by the tracker, measured heap and direct in use, direct reserved in pool chunks. */
    private record Memory(double reported, double heap, double direct, double directReserved, double persisted) {
        double measured() {
            return heap + direct;
        }
    }

    /** Used heap after full collections, direct bytes in use in Netty's pool, direct bytes reserved. */
    private record Usage(long heap, long direct, long directReserved) { }

    private record Recovery(long storageEntries, long backlogEntries, double indexMillis, double totalMillis,
                            long held, long messages) {
        double entriesPerMessage() {
            return (storageEntries + backlogEntries) / (double) messages;
        }
    }

    private record Drain(long handed, long expected, long duplicates, double seconds, boolean timedOut) {
        double rate() {
            return handed / seconds;
        }
    }

    private record Lateness(Histogram late, long handed, long expected, long early, long maxEarly, long duplicates) { }

    private DelayedBenchmark() {
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        ServiceConfiguration conf = new ServiceConfiguration();
        long[] sizes = quick ? new long[] {100_000, 1_000_000} : new long[] {1_000_000, 10_000_000};
        int latenessSeconds = quick ? 10 : 30;
        long drainTimeoutSeconds = quick ? 20 : 150;
        long rebuildSize = 1_000_000; // recovery and drain run at 1M, in both modes
        int batch = conf.getDispatcherMaxReadBatchSize();
        Workload workload = new Workload(conf.getManagedLedgerMaxEntriesPerLedger(), SEED);
        DelayIndexSettings magnetarSettings = DelayIndexSettings.DEFAULTS;

        out.printf(Locale.ROOT, "Delayed delivery (%s): Magnetar vs Pulsar 4.0.7's InMemory and Bucket trackers, in one"
                + " process, no broker.%n", quick ? "quick" : "full");
        out.printf(Locale.ROOT, "Pulsar defaults (ServiceConfiguration): tick %d ms, strict=%s, bucket: min %d indexes,"
                        + " segments of <= %d s / %d indexes, max buckets %d; ledgers of %d entries.%n",
                conf.getDelayedDeliveryTickTimeMillis(), conf.isDelayedDeliveryDeliverAtTimeStrict(),
                conf.getDelayedDeliveryMinIndexCountPerBucket(),
                conf.getDelayedDeliveryMaxTimeStepPerBucketSnapshotSegmentSeconds(),
                conf.getDelayedDeliveryMaxIndexesPerBucketSnapshotSegment(), conf.getDelayedDeliveryMaxNumBuckets(),
                workload.entriesPerLedger);
        out.printf(Locale.ROOT, "Magnetar defaults: window %d s, seal every %d, chunks of %d. Storage for Magnetar and"
                        + " Bucket: in memory, completing on a storage thread, no latency.%n",
                magnetarSettings.windowMillis() / 1000, magnetarSettings.sealThreshold(),
                magnetarSettings.chunkSize());
        out.printf(Locale.ROOT, "Dispatcher: addMessage per entry read; each readMoreEntries pass takes, if"
                + " hasMessageAvailable, getScheduledMessages(%d); tracker timers call readMoreEntriesAsync.%n", batch);
        out.println();

        List<Contender> contenders = Contenders.all(conf);
        Map<String, Map<Long, Memory>> memory = new LinkedHashMap<>();
        Map<String, Recovery> recovery = new LinkedHashMap<>();
        Map<String, Drain> drain = new LinkedHashMap<>();
        Map<String, Drain> freshDrain = new LinkedHashMap<>();
        Map<String, Lateness> lateness = new LinkedHashMap<>();
        try {
            // a discarded round of every phase first, so class loading and JIT do not land on whoever runs first
            for (Contender c : contenders) {
                progress("warm-up: %s", c.name());
                Subject subject = fill(c, workload, 120_000, batch, new LinkedHashMap<>());
                subject.tracker().close();
                c.awaitStorageIdle();
                DelayedDeliveryTracker rebuilt = recover(c, subject, workload, 120_000, new ArrayList<>());
                drain(new Subject(subject.dispatcher(), subject.clock(), rebuilt), workload, 5, 1);
                rebuilt.close();
                c.awaitStorageIdle();
                subject.dispatcher().close();
            }
            for (long n : sizes) {
                Map<String, Subject> subjects = new LinkedHashMap<>();
                for (Contender c : contenders) {
                    progress("memory: %s, %,d messages over 1 h", c.name(), n);
                    Subject subject = fill(c, workload, n, batch, memory.computeIfAbsent(c.name(),
                            k -> new LinkedHashMap<>()));
                    subjects.put(c.name(), subject);
                }
                for (Contender c : contenders) {
                    Subject subject = subjects.get(c.name());
                    subject.tracker().close(); // the unload
                    c.awaitStorageIdle();
                }
                if (n == rebuildSize) {
                    for (Contender c : contenders) {
                        progress("recovery: %s, %d times", c.name(), RECOVERIES);
                        Subject subject = subjects.get(c.name());
                        List<Recovery> runs = new ArrayList<>();
                        DelayedDeliveryTracker rebuilt = null;
                        for (int i = 0; i < RECOVERIES; i++) {
                            if (rebuilt != null) {
                                rebuilt.close(); // unloaded again: the state it rebuilt from is unchanged
                                c.awaitStorageIdle();
                            }
                            rebuilt = recover(c, subject, workload, n, runs);
                        }
                        recovery.put(c.name(), median(runs));
                        subjects.put(c.name(), new Subject(subject.dispatcher(), subject.clock(), rebuilt));
                    }
                    for (Contender c : contenders) {
                        progress("drain: %s", c.name());
                        drain.put(c.name(), drain(subjects.get(c.name()), workload, drainTimeoutSeconds,
                                conf.getDelayedDeliveryTickTimeMillis()));
                        subjects.get(c.name()).tracker().close();
                    }
                }
                subjects.values().forEach(subject -> subject.dispatcher().close());
            }
            for (Contender c : contenders) {
                progress("drain, never unloaded: %s", c.name());
                Subject fresh = fill(c, workload, rebuildSize, batch, new LinkedHashMap<>());
                freshDrain.put(c.name(), drain(fresh, workload, drainTimeoutSeconds,
                        conf.getDelayedDeliveryTickTimeMillis()));
                fresh.tracker().close();
                c.awaitStorageIdle();
                fresh.dispatcher().close();
            }
            for (Contender c : contenders) {
                progress("lateness: %s, %d msg/s for %d s", c.name(), LATENESS_RATE, latenessSeconds);
                lateness.put(c.name(), lateness(c, workload, latenessSeconds, batch,
                        conf.getDelayedDeliveryTickTimeMillis()));
            }
        } finally {
            for (Contender c : contenders) {
                c.close();
            }
        }
        out.println();
        printTable(out, contenders, sizes, rebuildSize, memory, lateness, freshDrain, drain, recovery,
                drainTimeoutSeconds);
    }

    private static void progress(String format, Object... args) {
        Report.progress("delayed", format, args);
    }

    /** Adds n messages due uniformly over the next hour on a frozen clock and measures what the tracker holds. */
    private static Subject fill(Contender c, Workload w, long n, int batch, Map<Long, Memory> results)
            throws Exception {
        long persistedBefore = c.persistedBytes();
        long storageBefore = c.storageHeapBytes();
        Usage before = usage();
        BenchDispatcher dispatcher = new BenchDispatcher("persistent://bench/delayed/memory-" + n,
                "sub-" + c.name(), batch, Workload.FIRST_LEDGER);
        ManualClock clock = new ManualClock(T0);
        DelayedDeliveryTracker tracker = c.newTracker(dispatcher, clock);
        dispatcher.attach(tracker, (l, e) -> { });
        long refused = 0;
        for (long seq = 0; seq < n; seq++) {
            if (!dispatcher.add(w.ledger(seq), w.entry(seq), deliverAt(w, seq))) {
                refused++;
            }
        }
        c.awaitStorageIdle();
        Usage after = usage();
        if (refused > 0) {
            System.err.printf("  %s: %d messages due within the tick refused (delivered at once)%n", c.name(),
                    refused);
        }
        double heap = after.heap() - before.heap() - (c.storageHeapBytes() - storageBefore);
        results.put(n, new Memory(tracker.getBufferMemoryUsage() / (double) n, heap / n,
                (after.direct() - before.direct()) / (double) n,
                (after.directReserved() - before.directReserved()) / (double) n,
                (c.persistedBytes() - persistedBefore) / (double) n));
        return new Subject(dispatcher, clock, tracker);
    }

    private static long deliverAt(Workload w, long seq) {
        return T0 + 1 + w.uniform(seq, HOUR);
    }

    /**
     * A new tracker for the same subscription after the unload, then the backlog re-read the dispatcher would do:
     * every position from the mark-delete position, minus those the dispatcher skips because the tracker already
     * holds them (Pulsar 4.0 skips reads for trackers that are BucketDelayedDeliveryTrackers, Magnetar's included).
     */
    private static DelayedDeliveryTracker recover(Contender c, Subject subject, Workload w, long n,
                                                  List<Recovery> results) throws Exception {
        BenchDispatcher dispatcher = subject.dispatcher();
        long readsBefore = c.entriesRead();
        long start = System.nanoTime();
        DelayedDeliveryTracker tracker = c.newTracker(dispatcher, subject.clock());
        dispatcher.attach(tracker, (l, e) -> { });
        c.awaitRecovered(tracker);
        long indexDone = System.nanoTime();
        BucketDelayedDeliveryTracker skipping =
                tracker instanceof BucketDelayedDeliveryTracker b ? b : null;
        long backlog = 0;
        for (long seq = 0; seq < n; seq++) {
            long ledgerId = w.ledger(seq);
            long entryId = w.entry(seq);
            if (skipping != null && skipping.containsMessage(ledgerId, entryId)) {
                dispatcher.readThrough(ledgerId, entryId);
                continue;
            }
            backlog++;
            dispatcher.add(ledgerId, entryId, deliverAt(w, seq));
        }
        long end = System.nanoTime();
        c.awaitStorageIdle();
        results.add(new Recovery(c.entriesRead() - readsBefore, backlog, (indexDone - start) / 1e6,
                (end - start) / 1e6, tracker.getNumberOfDelayedMessages(), n));
        return tracker;
    }

    /** The run with the median rebuild time (the 2 cores are shared: single runs are noisy). */
    private static Recovery median(List<Recovery> runs) {
        List<Recovery> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Recovery::totalMillis));
        return sorted.get(sorted.size() / 2);
    }

    /** Moves the tracker's clock past every due time and times the hand-out of every message it holds. */
    private static Drain drain(Subject subject, Workload w, long timeoutSeconds, long tickMillis)
            throws InterruptedException {
        long n = subject.tracker().getNumberOfDelayedMessages();
        BitSet seen = new BitSet((int) n);
        long[] counts = new long[2]; // handed, duplicates; written on the dispatcher thread only
        long[] lastNanos = new long[1];
        subject.dispatcher().attach(subject.tracker(), (ledgerId, entryId) -> {
            int seq = (int) w.seq(ledgerId, entryId);
            if (seen.get(seq)) {
                counts[1]++;
            } else {
                seen.set(seq);
                counts[0]++;
            }
            lastNanos[0] = System.nanoTime();
        });
        long start = System.nanoTime();
        subject.clock().set(T0 + HOUR + 2 * tickMillis + 1);
        subject.dispatcher().readMoreEntriesAsync();
        long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long handed;
        while ((handed = onDispatcher(subject.dispatcher(), () -> counts[0])) < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        boolean timedOut = handed < n;
        long last = onDispatcher(subject.dispatcher(), () -> lastNanos[0]);
        double seconds = ((timedOut ? System.nanoTime() : last) - start) / 1e9;
        return new Drain(handed, n, onDispatcher(subject.dispatcher(), () -> counts[1]), seconds, timedOut);
    }

    /** Reads state the dispatcher thread owns, on that thread. */
    private static long onDispatcher(BenchDispatcher dispatcher, LongSupplier read)
            throws InterruptedException {
        try {
            return dispatcher.thread().submit(read::getAsLong).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Publishes at LATENESS_RATE on the real clock with delays uniform in [MIN_DELAY, MAX_DELAY]; every 10 ms the
     * dispatcher thread "reads" what was published since (addMessage each; a refused one is delivered at once) and
     * then polls the tracker, as readMoreEntries does after a read. The tracker's own timer wakes it in between.
     */
    private static Lateness lateness(Contender c, Workload w, int seconds, int batch, long tickMillis)
            throws Exception {
        int total = LATENESS_RATE * seconds;
        long[] deliverAt = new long[total];
        BitSet seen = new BitSet(total);
        Histogram late = new Histogram(HOUR, 3);
        long[] counts = new long[4]; // handed, early, max early, duplicates (dispatcher thread only)
        BenchDispatcher dispatcher = new BenchDispatcher("persistent://bench/delayed/lateness",
                "sub-" + c.name(), batch, Workload.FIRST_LEDGER);
        DelayedDeliveryTracker tracker = c.newTracker(dispatcher, Clock.systemUTC());
        BenchDispatcher.Sink record = (ledgerId, entryId) -> {
            int seq = (int) w.seq(ledgerId, entryId);
            long now = System.currentTimeMillis();
            if (seen.get(seq)) {
                counts[3]++;
                return;
            }
            seen.set(seq);
            counts[0]++;
            long lateBy = now - deliverAt[seq];
            if (lateBy < 0) {
                counts[1]++;
                counts[2] = Math.max(counts[2], -lateBy);
            }
            late.recordValue(Math.max(0, lateBy));
        };
        dispatcher.attach(tracker, record);
        long start = System.currentTimeMillis() + 20;
        int[] published = new int[1];
        ScheduledFuture<?> reader = dispatcher.thread().scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis();
            long target = Math.min(total, Math.max(0, now - start) * LATENESS_RATE / 1000);
            while (published[0] < target) {
                int seq = published[0]++;
                long publishAt = start + seq * 1000L / LATENESS_RATE;
                deliverAt[seq] = publishAt + MIN_DELAY + w.uniform(seq, MAX_DELAY - MIN_DELAY + 1);
                if (!dispatcher.add(w.ledger(seq), w.entry(seq), deliverAt[seq])) {
                    record.handedOut(w.ledger(seq), w.entry(seq));
                }
            }
            dispatcher.readMoreEntries();
        }, 0, 10, TimeUnit.MILLISECONDS);
        while (onDispatcher(dispatcher, () -> published[0]) < total) {
            Thread.sleep(50);
        }
        reader.cancel(false);
        long deadline = System.currentTimeMillis() + MAX_DELAY + 3 * tickMillis + 2_000;
        while (onDispatcher(dispatcher, () -> counts[0]) < total && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Lateness result = onDispatcherGet(dispatcher, () ->
                new Lateness(late.copy(), counts[0], total, counts[1], counts[2], counts[3]));
        tracker.close();
        c.awaitStorageIdle();
        dispatcher.close();
        return result;
    }

    private static <T> T onDispatcherGet(BenchDispatcher dispatcher, Callable<T> read)
            throws Exception {
        return dispatcher.thread().submit(read).get();
    }

    /**
     * Direct memory two ways. Pulsar's queues allocate from Netty's pooled allocator, which reserves 4 MiB chunks
     * and hands out runs of pages from them: {@code PlatformDependent.usedDirectMemory()} (or the JDK's direct pool
     * when Netty runs without its own counter) sees chunks, charged to whoever allocates first; the arenas' chunks
     * minus their free bytes see what is held. The measured figure uses the latter.
     */
    private static Usage usage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(40);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long active = 0;
        for (PoolArenaMetric arena : PooledByteBufAllocator.DEFAULT.metric().directArenas()) {
            // numActiveBytes counts whole chunks (plus huge allocations); take off what is free in the chunks
            active += arena.numActiveBytes();
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    active -= chunk.freeBytes();
                }
            }
        }
        long reserved = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                reserved += pool.getMemoryUsed();
            }
        }
        return new Usage(heap, active, reserved);
    }

    private static void printTable(PrintStream out, List<Contender> contenders, long[] sizes, long rebuildSize,
                                   Map<String, Map<Long, Memory>> memory, Map<String, Lateness> lateness,
                                   Map<String, Drain> freshDrain, Map<String, Drain> drain,
                                   Map<String, Recovery> recovery, long drainTimeout) {
        List<String> names = contenders.stream().map(Contender::name).toList();
        out.printf(Locale.ROOT, "%-46s", "metric");
        names.forEach(n -> out.printf(Locale.ROOT, " %14s", n));
        out.println();
        for (long n : sizes) {
            String at = " @" + count(n);
            row(out, names, "B/msg getBufferMemoryUsage()/N" + at, k -> f1(memory.get(k).get(n).reported()));
            row(out, names, "B/msg measured heap+direct" + at, k -> f1(memory.get(k).get(n).measured()));
            row(out, names, "  of which direct (Netty pool, in use)" + at, k -> f1(memory.get(k).get(n).direct()));
            row(out, names, "  direct reserved (usedDirectMemory)" + at,
                    k -> f1(memory.get(k).get(n).directReserved()));
            row(out, names, "B/msg persisted (BookKeeper)" + at, k -> f1(memory.get(k).get(n).persisted()));
        }
        Lateness any = lateness.values().iterator().next();
        row(out, names, "lateness p50 ms (" + count(any.expected()) + " msgs, 0.5-5 s)",
                k -> Long.toString(lateness.get(k).late().getValueAtPercentile(50)));
        row(out, names, "lateness p99 ms", k -> Long.toString(lateness.get(k).late().getValueAtPercentile(99)));
        row(out, names, "lateness max ms", k -> Long.toString(lateness.get(k).late().getMaxValue()));
        row(out, names, "early % (handed out before deliverAt)",
                k -> String.format(Locale.ROOT, "%.2f", 100.0 * lateness.get(k).early() / lateness.get(k).handed()));
        row(out, names, "early max ms", k -> Long.toString(lateness.get(k).maxEarly()));
        row(out, names, "never handed out / handed out twice",
                k -> (lateness.get(k).expected() - lateness.get(k).handed()) + " / " + lateness.get(k).duplicates());
        long drained = rebuildSize;
        drainRows(out, names, "drain msg/s, " + count(drained) + " due at once", freshDrain);
        drainRows(out, names, "drain msg/s, same after unload+rebuild", drain);
        row(out, names, "recovery " + count(drained) + ", median of " + RECOVERIES + ": storage entries read",
                k -> Long.toString(recovery.get(k).storageEntries()));
        row(out, names, "recovery: backlog entries re-read", k -> Long.toString(recovery.get(k).backlogEntries()));
        row(out, names, "recovery: entries read / delayed msg",
                k -> String.format(Locale.ROOT, "%.4f", recovery.get(k).entriesPerMessage()));
        row(out, names, "recovery: index ready ms (in-process)", k -> f1(recovery.get(k).indexMillis()));
        row(out, names, "recovery: rebuilt incl. re-adds ms (in-process)", k -> f1(recovery.get(k).totalMillis()));
        row(out, names, "recovery: messages held after", k -> Long.toString(recovery.get(k).held()));
        out.println();
        out.println("Measured B/msg = used heap after System.gc() + direct bytes in use in Netty's pool, after - before"
                + " filling, minus the stand-in storage's heap; ratios use it.");
        out.println("Recovery times are in-process and exclude BookKeeper read latency: InMemory must re-read every"
                + " message from BookKeeper, Bucket and Magnetar read the entries counted above.");
        out.println("Lateness is at the tracker's hand-out (before the BookKeeper read and the send); an early"
                + " hand-out counts as 0 ms late and in early %.");
        if (Stream.concat(drain.values().stream(), freshDrain.values().stream())
                .anyMatch(Drain::timedOut)) {
            out.printf(Locale.ROOT, "* drain stopped after %d s before every message was handed out.%n", drainTimeout);
        }

        double memVsInMemory = 0;
        double memVsBucket = 0;
        for (long n : sizes) {
            double m = memory.get(Contenders.MAGNETAR).get(n).measured();
            memVsInMemory = Math.max(memVsInMemory, m / memory.get(Contenders.IN_MEMORY).get(n).measured());
            memVsBucket = Math.max(memVsBucket, m / memory.get(Contenders.BUCKET).get(n).measured());
        }
        double recoverySpeedup = recovery.get(Contenders.IN_MEMORY).totalMillis()
                / recovery.get(Contenders.MAGNETAR).totalMillis();
        Lateness magnetar = lateness.get(Contenders.MAGNETAR);
        double drainRatio = Math.min(
                freshDrain.get(Contenders.MAGNETAR).rate() / freshDrain.get(Contenders.IN_MEMORY).rate(),
                drain.get(Contenders.MAGNETAR).rate() / drain.get(Contenders.IN_MEMORY).rate());
        out.printf(Locale.ROOT, "Memory and drain ratios: the worse of the two sizes / two drains. Recovery speedup:"
                + " InMemory rebuild ms / Magnetar rebuild ms (both incl. re-adds) at %s.%n", count(rebuildSize));
        out.println();
        Report.result(out, "memory_ratio_vs_inmemory=%.3f memory_ratio_vs_bucket=%.3f"
                        + " recovery_speedup_vs_inmemory=%.2f early=%d p99_lateness_ms=%d"
                        + " drain_ratio_vs_inmemory=%.3f",
                memVsInMemory, memVsBucket, recoverySpeedup, magnetar.early(),
                magnetar.late().getValueAtPercentile(99), drainRatio);
    }

    private static void drainRows(PrintStream out, List<String> names, String label, Map<String, Drain> drain) {
        row(out, names, label,
                k -> String.format(Locale.ROOT, "%,.0f%s", drain.get(k).rate(), drain.get(k).timedOut() ? "*" : ""));
        row(out, names, "  handed out / twice / seconds", k -> drain.get(k).handed() + " / "
                + drain.get(k).duplicates() + " / " + String.format(Locale.ROOT, "%.2f", drain.get(k).seconds()));
    }

    private static void row(PrintStream out, List<String> names, String label, Function<String, String> value) {
        out.printf(Locale.ROOT, "%-46s", label);
        for (String name : names) {
            out.printf(Locale.ROOT, " %14s", value.apply(name));
        }
        out.println();
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String count(long n) {
        if (n >= 1_000_000 && n % 1_000_000 == 0) {
            return (n / 1_000_000) + "M";
        }
        if (n >= 1_000 && n % 1_000 == 0) {
            return (n / 1_000) + "k";
        }
        return Long.toString(n);
    }
}
