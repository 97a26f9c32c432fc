package io.magnetar.delayed;

import java.util.concurrent.atomic.LongAdder;

/** Counters shared by every index of one broker; the tracker factory publishes them as metrics. */
public final class IndexStats {
    /** Upper bounds (ms, inclusive) of the lateness histogram's buckets; a last bucket takes the rest. */
    public static final long[] LATENESS_BOUNDS_MS = {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};

    public final LongAdder bucketsSealed = new LongAdder();
    public final LongAdder bucketsDropped = new LongAdder();
    public final LongAdder chunkReads = new LongAdder();
    public final LongAdder readFailures = new LongAdder();
    public final LongAdder writeFailures = new LongAdder();
    public final LongAdder recoveries = new LongAdder();
    public final LongAdder recoveryMillis = new LongAdder();
    public final Lateness lateness = new Lateness();

    /** How late each hand-out was against its due time; a hand-out is never early. */
    public static final class Lateness {
        private final LongAdder[] buckets = new LongAdder[LATENESS_BOUNDS_MS.length + 1];
        private final LongAdder sumMillis = new LongAdder();

        public Lateness() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        public void recordLateness(long millis) {
            int i = 0;
            while (i < LATENESS_BOUNDS_MS.length && millis > LATENESS_BOUNDS_MS[i]) {
                i++;
            }
            buckets[i].increment();
            sumMillis.add(millis);
        }

        /** Hand-outs at most {@code LATENESS_BOUNDS_MS[i]} late ({@code i == length}: all). */
        public long cumulative(int i) {
            long n = 0;
            for (int b = 0; b <= i && b < buckets.length; b++) {
                n += buckets[b].sum();
            }
            return n;
        }

        public long count() {
            return cumulative(buckets.length - 1);
        }

        public long sumMillis() {
            return sumMillis.sum();
        }
    }
}
