package io.magnetar.delayed.pulsar;

import io.magnetar.delayed.TopicDelayIndex;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.RecoverDelayedDeliveryTrackerException;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;

/**
 * Benchmark-only door to Magnetar's package-private tracker: built as
 * {@link MagnetarDelayedDeliveryTrackerFactory#newTracker} builds it, but joining a topic index the benchmark
 * supplies (its own store and clock). Lives in the benchmarks module; never on a broker's classpath.
 */
public final class BenchTrackers {
    private BenchTrackers() {
    }

    /** Joins a subscription to its topic's index, creating and recovering the index for the first one. */
    @FunctionalInterface
    public interface Join {
        TopicDelayIndex.Subscription join(String subscription, long markDeletedLedger, long markDeletedEntry,
                                          TopicDelayIndex.ReadProgress progress, TopicDelayIndex.Listener listener);
    }

    public static DelayedDeliveryTracker magnetar(AbstractPersistentDispatcherMultipleConsumers dispatcher,
                                                  ScheduledExecutorService scheduler, Clock clock, Join join)
            throws RecoverDelayedDeliveryTrackerException {
        LegacyBucketSnapshotStorage noLegacySnapshots = new LegacyBucketSnapshotStorage(() -> {
            throw new IllegalStateException("no BookKeeper in the benchmark");
        });
        return new MagnetarDelayedDeliveryTracker(dispatcher, noLegacySnapshots, scheduler, clock, join::join,
                () -> { });
    }
}
