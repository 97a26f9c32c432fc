package io.magnetar.delayed;

import java.util.Arrays;

/**
 * An unordered, growable list of (deliverAt, ledgerId, entryId) triples: the messages due later than the in-memory
 * window, waiting to be sealed into a persisted bucket. Sorting happens once, at seal time.
 */
final class TripleBuffer {
    private long[] times;
    private long[] ledgers;
    private long[] entries;
    private int size;
    private long minTime = Long.MAX_VALUE;
    private final int initialCapacity;

    TripleBuffer(int initialCapacity) {
        this.initialCapacity = initialCapacity;
        times = new long[initialCapacity];
        ledgers = new long[initialCapacity];
        entries = new long[initialCapacity];
    }

    int size() {
        return size;
    }

    long minTime() {
        return minTime;
    }

    long time(int i) {
        return times[i];
    }

    long ledger(int i) {
        return ledgers[i];
    }

    long entry(int i) {
        return entries[i];
    }

    void add(long time, long ledger, long entry) {
        if (size == times.length) {
            int capacity = Math.max(16, size + (size >> 1));
            times = Arrays.copyOf(times, capacity);
            ledgers = Arrays.copyOf(ledgers, capacity);
            entries = Arrays.copyOf(entries, capacity);
        }
        times[size] = time;
        ledgers[size] = ledger;
        entries[size] = entry;
        size++;
        minTime = Math.min(minTime, time);
    }

    /** Keeps only the triples with time above {@code limit}, passing the others to {@code sink}. */
    void extractUpTo(long limit, TripleSink sink) {
        int kept = 0;
        long newMin = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            if (times[i] <= limit) {
                sink.accept(times[i], ledgers[i], entries[i]);
            } else {
                times[kept] = times[i];
                ledgers[kept] = ledgers[i];
                entries[kept] = entries[i];
                newMin = Math.min(newMin, times[i]);
                kept++;
            }
        }
        size = kept;
        minTime = newMin;
    }

    /** Sorts by (time, ledger, entry). */
    void sort() {
        sort(0, size - 1);
    }

    /** Empties the buffer and gives back its arrays beyond the initial capacity. */
    void clear() {
        size = 0;
        minTime = Long.MAX_VALUE;
        if (times.length > initialCapacity) {
            times = new long[initialCapacity];
            ledgers = new long[initialCapacity];
            entries = new long[initialCapacity];
        }
    }

    long capacityBytes() {
        return 24L * times.length;
    }

    private void sort(int lo, int hi) {
        while (lo < hi) {
            if (hi - lo < 16) {
                insertionSort(lo, hi);
                return;
            }
            int mid = (lo + hi) >>> 1;
            long pt = times[mid];
            long pl = ledgers[mid];
            long pe = entries[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (TripleHeap.less(times[i], ledgers[i], entries[i], pt, pl, pe)) {
                    i++;
                }
                while (TripleHeap.less(pt, pl, pe, times[j], ledgers[j], entries[j])) {
                    j--;
                }
                if (i <= j) {
                    swap(i++, j--);
                }
            }
            // recurse into the smaller side, loop on the larger: bounded stack depth
            if (j - lo < hi - i) {
                sort(lo, j);
                lo = i;
            } else {
                sort(i, hi);
                hi = j;
            }
        }
    }

    private void insertionSort(int lo, int hi) {
        for (int i = lo + 1; i <= hi; i++) {
            for (int j = i; j > lo
                    && TripleHeap.less(times[j], ledgers[j], entries[j], times[j - 1], ledgers[j - 1], entries[j - 1]);
                    j--) {
                swap(j, j - 1);
            }
        }
    }

    private void swap(int a, int b) {
        long t = times[a];
        times[a] = times[b];
        times[b] = t;
        long l = ledgers[a];
        ledgers[a] = ledgers[b];
        ledgers[b] = l;
        long e = entries[a];
        entries[a] = entries[b];
        entries[b] = e;
    }

    @FunctionalInterface
    interface TripleSink {
        void accept(long time, long ledger, long entry);
    }
}
