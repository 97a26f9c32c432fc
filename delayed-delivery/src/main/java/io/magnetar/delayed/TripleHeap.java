package io.magnetar.delayed;

import java.util.Arrays;

/**
 * A binary min-heap of (deliverAt, ledgerId, entryId) triples in three parallel {@code long} arrays: 24 bytes a
 * message, no object per message. Ordered by time, then position, so equal times come out in publish order.
 */
final class TripleHeap {
    private static final int INITIAL_CAPACITY = 64;

    private long[] times = new long[INITIAL_CAPACITY];
    private long[] ledgers = new long[INITIAL_CAPACITY];
    private long[] entries = new long[INITIAL_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long peekTime() {
        return times[0];
    }

    long peekLedger() {
        return ledgers[0];
    }

    long peekEntry() {
        return entries[0];
    }

    void add(long time, long ledger, long entry) {
        if (size == times.length) {
            int capacity = size + (size >> 1);
            times = Arrays.copyOf(times, capacity);
            ledgers = Arrays.copyOf(ledgers, capacity);
            entries = Arrays.copyOf(entries, capacity);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(time, ledger, entry, parent)) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, time, ledger, entry);
    }

    void pop() {
        int last = --size;
        if (last == 0) {
            shrinkIfSparse();
            return;
        }
        long time = times[last];
        long ledger = ledgers[last];
        long entry = entries[last];
        int i = 0;
        int half = last >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < last && less(times[right], ledgers[right], entries[right], child)) {
                child = right;
            }
            if (!less(times[child], ledgers[child], entries[child], time, ledger, entry)) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, time, ledger, entry);
        shrinkIfSparse();
    }

    void clear() {
        size = 0;
        shrinkIfSparse();
    }

    /** Bytes held by the arrays, used or not. */
    long capacityBytes() {
        return 24L * times.length;
    }

    private void shrinkIfSparse() {
        if (times.length > INITIAL_CAPACITY && size < times.length / 4) {
            int capacity = Math.max(INITIAL_CAPACITY, size * 2);
            times = Arrays.copyOf(times, capacity);
            ledgers = Arrays.copyOf(ledgers, capacity);
            entries = Arrays.copyOf(entries, capacity);
        }
    }

    private boolean less(long time, long ledger, long entry, int slot) {
        return less(time, ledger, entry, times[slot], ledgers[slot], entries[slot]);
    }

    static boolean less(long t1, long l1, long e1, long t2, long l2, long e2) {
        if (t1 != t2) {
            return t1 < t2;
        }
        if (l1 != l2) {
            return l1 < l2;
        }
        return e1 < e2;
    }

    private void move(int from, int to) {
        times[to] = times[from];
        ledgers[to] = ledgers[from];
        entries[to] = entries[from];
    }

    private void set(int slot, long time, long ledger, long entry) {
        times[slot] = time;
        ledgers[slot] = ledger;
        entries[slot] = entry;
    }
}
