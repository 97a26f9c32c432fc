package io.magnetar.delayed.pulsar;

import io.magnetar.plugin.PulsarInternals;
import io.netty.util.Timer;
import java.time.Clock;
import org.apache.pulsar.broker.delayed.bucket.BucketDelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.BucketSnapshotStorage;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;

/**
 * The Pulsar members the tracker relies on (docs/architecture.md), checked in the factory's {@code initialize}: a
 * missing one fails the broker start with its name instead of the first delayed message's dispatch.
 */
final class TrackerInternals {

    private TrackerInternals() {
    }

    static void check() {
        PulsarInternals.requireConstructor(BucketDelayedDeliveryTracker.class,
                AbstractPersistentDispatcherMultipleConsumers.class, Timer.class, long.class, Clock.class,
                boolean.class, BucketSnapshotStorage.class, long.class, long.class, int.class, int.class);
        PulsarInternals.requireOverrides(MagnetarDelayedDeliveryTracker.class, "addMessage", "containsMessage",
                "hasMessageAvailable", "getScheduledMessages", "getNumberOfDelayedMessages", "getBufferMemoryUsage",
                "shouldPauseAllDeliveries", "resetTickTime", "nextDeliveryTime", "run", "clear", "genTopicMetricMap",
                "close");
        PulsarInternals.requireOverrides(MagnetarDelayedDeliveryTrackerFactory.class, "initialize", "newTracker",
                "cleanResidualSnapshots", "close");
    }
}
