package io.magnetar.bench.delayedbroker.router;

import io.magnetar.delayed.pulsar.MagnetarDelayedDeliveryTrackerFactory;
import java.util.concurrent.CompletableFuture;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.delayed.BucketDelayedDeliveryTrackerFactory;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTrackerFactory;
import org.apache.pulsar.broker.delayed.InMemoryDelayedDeliveryTrackerFactory;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;

/**
 * Benchmark only (copied into the benchmark broker's lib/, never shipped): one broker, three trackers, chosen by
 * the topic's local name: {@code magnetar-…} Magnetar's, {@code bucket-…} Pulsar's bucket tracker, anything else
 * Pulsar's in-memory tracker. Extends the bucket factory because the broker calls {@link #cleanResidualSnapshots}
 * only on a factory of that type.
 */
public class RoutingTrackerFactory extends BucketDelayedDeliveryTrackerFactory {
    private final MagnetarDelayedDeliveryTrackerFactory magnetar = new MagnetarDelayedDeliveryTrackerFactory();
    private final InMemoryDelayedDeliveryTrackerFactory inMemory = new InMemoryDelayedDeliveryTrackerFactory();
    private final BucketDelayedDeliveryTrackerFactory bucket = new BucketDelayedDeliveryTrackerFactory();

    @Override
    public void initialize(PulsarService pulsar) throws Exception {
        // super is not initialized: this instance only routes
        magnetar.initialize(pulsar);
        inMemory.initialize(pulsar);
        bucket.initialize(pulsar);
    }

    @Override
    public DelayedDeliveryTracker newTracker(AbstractPersistentDispatcherMultipleConsumers dispatcher) {
        return route(dispatcher.getTopic().getName()).newTracker(dispatcher);
    }

    @Override
    public CompletableFuture<Void> cleanResidualSnapshots(ManagedCursor cursor) {
        DelayedDeliveryTrackerFactory f = route(cursor.getManagedLedger().getName());
        return f instanceof BucketDelayedDeliveryTrackerFactory b
                ? b.cleanResidualSnapshots(cursor) : CompletableFuture.completedFuture(null);
    }

    /** By the last path segment: topic names and managed-ledger names both end with the local name. */
    private DelayedDeliveryTrackerFactory route(String name) {
        String local = name.substring(name.lastIndexOf('/') + 1);
        if (local.startsWith("magnetar-")) {
            return magnetar;
        }
        return local.startsWith("bucket-") ? bucket : inMemory;
    }

    @Override
    public void close() throws Exception {
        magnetar.close();
        inMemory.close();
        bucket.close();
    }
}
