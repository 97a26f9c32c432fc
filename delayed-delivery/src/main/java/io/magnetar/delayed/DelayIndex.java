package io.magnetar.delayed;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A {@link TopicDelayIndex} with exactly one subscription whose reads have passed every position it adds: the
 * shape in which the index is driven directly, without a dispatcher: by the topic factory's timer log (a single
 * reader), the unit tests and the benchmark.
 */
public final class DelayIndex {
    /** Told about changes made by asynchronous work. */
    public interface Listener extends TopicDelayIndex.Listener {
    }

    private final TopicDelayIndex topic;
    private final TopicDelayIndex.Subscription subscription;

    public DelayIndex(String name, IndexStore store, DelayIndexSettings settings, LongSupplier clock,
                      Listener listener, IndexStats stats) {
        topic = new TopicDelayIndex(name, store, settings, clock, stats);
        subscription = topic.join("only", -1, -1, (ledgerId, entryId) -> true, listener);
    }

    public void recover() {
        topic.recover();
    }

    public boolean recovering() {
        return subscription.recovering();
    }

    public boolean add(long ledgerId, long entryId, long deliverAt) {
        return subscription.add(ledgerId, entryId, deliverAt);
    }

    public boolean contains(long ledgerId, long entryId) {
        return subscription.contains(ledgerId, entryId);
    }

    public boolean hasDue() {
        return subscription.hasDue();
    }

    public int pollDue(int max, TopicDelayIndex.PositionSink sink) {
        return subscription.pollDue(max, sink);
    }

    public void maintain() {
        subscription.maintain();
    }

    public long nextWakeMillis() {
        return subscription.nextWakeMillis();
    }

    public long forgetThrough(long ledgerId, long entryId) {
        return subscription.forgetThrough(ledgerId, entryId);
    }

    public CompletableFuture<Void> clear() {
        return subscription.clear();
    }

    /** Stops all work and frees memory; the persisted buckets stay for the next owner. */
    public void close() {
        subscription.leave();
    }

    public long size() {
        return subscription.size();
    }

    public long memoryBytes() {
        return topic.memoryBytes() + subscription.memoryBytes();
    }

    public long persistedBytes() {
        return topic.persistedBytes();
    }

    public int bucketCount() {
        return topic.bucketCount();
    }
}
