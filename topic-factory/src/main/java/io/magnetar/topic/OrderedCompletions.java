package io.magnetar.topic;

import java.util.ArrayDeque;

/**
 * Completes one producer's sends in the order they arrived, whatever order their writes finish in. A scheduled
 * message is written to another ledger than the topic's, so without this a later plain message could be
 * acknowledged first, which Pulsar's clients treat as a protocol error. Only producers with a scheduled send in
 * flight use it; every other send keeps Pulsar's own path.
 *
 * @param <C> the per-send completion callback
 */
public final class OrderedCompletions<C> {
    /** Delivers a finished send's result to its producer. */
    @FunctionalInterface
    public interface Sink<C> {
        void complete(C callback, Exception error, long ledgerId, long entryId);
    }

    /** One send's place in the line. */
    public final class Slot {
        private final C callback;
        private boolean done;
        private Exception error;
        private long ledgerId = -1;
        private long entryId = -1;

        private Slot(C callback) {
            this.callback = callback;
        }

        /** Records the send's result; results are handed to the sink in arrival order. */
        public void finish(Exception failure, long ledger, long entry) {
            finished(this, failure, ledger, entry);
        }
    }

    private final Sink<C> sink;
    private final ArrayDeque<Slot> line = new ArrayDeque<>();
    private boolean draining;

    public OrderedCompletions(Sink<C> sink) {
        this.sink = sink;
    }

    /** True while some send waits for an earlier one: later sends must then take a slot too. */
    public synchronized boolean active() {
        return !line.isEmpty();
    }

    public synchronized Slot enqueue(C callback) {
        Slot slot = new Slot(callback);
        line.add(slot);
        return slot;
    }

    private void finished(Slot slot, Exception failure, long ledger, long entry) {
        synchronized (this) {
            slot.done = true;
            slot.error = failure;
            slot.ledgerId = ledger;
            slot.entryId = entry;
            if (draining) {
                return; // the thread that is draining will deliver it, in order
            }
            draining = true;
        }
        while (true) {
            ArrayDeque<Slot> ready = new ArrayDeque<>();
            synchronized (this) {
                while (!line.isEmpty() && line.peek().done) {
                    ready.add(line.poll());
                }
                if (ready.isEmpty()) {
                    draining = false;
                    return;
                }
            }
            // outside the monitor: the sink writes to the producer's connection
            for (Slot s : ready) {
                sink.complete(s.callback, s.error, s.ledgerId, s.entryId);
            }
        }
    }
}
