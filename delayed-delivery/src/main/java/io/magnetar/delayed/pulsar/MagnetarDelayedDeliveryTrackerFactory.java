package io.magnetar.delayed.pulsar;

import io.magnetar.delayed.DelayIndex;
import io.magnetar.delayed.IndexStats;
import io.magnetar.delayed.IndexStore;
import io.magnetar.metrics.MagnetarMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.delayed.BucketDelayedDeliveryTrackerFactory;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.BucketDelayedDeliveryTracker;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code delayedDeliveryTrackerFactoryClassName=io.magnetar.delayed.pulsar.MagnetarDelayedDeliveryTrackerFactory}.
 * One instance per broker (Pulsar creates it while constructing the broker service); it owns the wake-up
 * scheduler, the shared counters and the metrics. It extends Pulsar's bucket tracker factory only so that the
 * broker calls {@link #cleanResidualSnapshots} when a subscription without a live dispatcher is deleted or
 * cleared: that is where the subscription's persisted index is removed.
 */
public class MagnetarDelayedDeliveryTrackerFactory extends BucketDelayedDeliveryTrackerFactory {
    private static final Logger log = LoggerFactory.getLogger(MagnetarDelayedDeliveryTrackerFactory.class);

    private final Set<MagnetarDelayedDeliveryTracker> live = ConcurrentHashMap.newKeySet();
    private final IndexStats stats = new IndexStats();
    private DelayedDeliveryConfig config;
    private Supplier<BookKeeper> bookKeeper;
    private BookKeeperIndexStore.LedgerReplication replication;
    private ScheduledThreadPoolExecutor scheduler;
    private LegacyBucketSnapshotStorage legacyStorage;
    private MagnetarMetrics metrics;

    @Override
    public void initialize(PulsarService pulsar) {
        ServiceConfiguration conf = pulsar.getConfiguration();
        config = DelayedDeliveryConfig.from(conf.getProperties());
        bookKeeper = pulsar::getBookKeeperClient;
        replication = new BookKeeperIndexStore.LedgerReplication(conf.getManagedLedgerDefaultEnsembleSize(),
                conf.getManagedLedgerDefaultWriteQuorum(), conf.getManagedLedgerDefaultAckQuorum());
        legacyStorage = new LegacyBucketSnapshotStorage(bookKeeper);
        scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "magnetar-delayed-wakeup");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        metrics = new MagnetarMetrics("delayed", conf.getClusterName());
        registerMetrics(metrics);
        metrics.bind(pulsar);
        log.info("Magnetar delayed delivery tracker ready: window {} ms, seal every {} messages, chunks of {}",
                config.index().windowMillis(), config.index().sealThreshold(), config.index().chunkSize());
    }

    private void registerMetrics(MagnetarMetrics m) {
        m.gauge("messages_held", "delayed messages held by Magnetar's trackers", () -> sum(t -> t.index().size()));
        m.gauge("memory_bytes", "heap bytes of the delayed indexes", () -> sum(t -> t.index().memoryBytes()));
        m.gauge("persisted_bytes", "bytes of delayed index chunks in BookKeeper",
                () -> sum(t -> t.index().persistedBytes()));
        m.gauge("trackers", "subscriptions with a delayed index", live::size);
        m.counter("buckets_sealed", "buckets of later-due messages sealed and written", stats.bucketsSealed::sum);
        m.counter("buckets_dropped", "persisted buckets unreadable at recovery, re-indexed from the backlog",
                stats.bucketsDropped::sum);
        m.counter("chunk_reads", "chunks read back from BookKeeper", stats.chunkReads::sum);
        m.counter("read_failures", "failed chunk reads", stats.readFailures::sum);
        m.counter("write_failures", "failed bucket or manifest writes", stats.writeFailures::sum);
        m.counter("recoveries", "indexes recovered from BookKeeper", stats.recoveries::sum);
        m.counter("recovery_millis", "time spent recovering indexes", stats.recoveryMillis::sum);
        m.counter("handouts", "due messages handed to dispatchers", stats.lateness::count);
        m.counter("lateness_millis", "summed lateness of handed-out messages", stats.lateness::sumMillis);
        for (int i = 0; i < IndexStats.LATENESS_BOUNDS_MS.length; i++) {
            int bucket = i;
            m.counter("handouts_late_within", "hand-outs at most le milliseconds after their due time",
                    () -> stats.lateness.cumulative(bucket), "le", Long.toString(IndexStats.LATENESS_BOUNDS_MS[i]));
        }
    }

    private long sum(ToLongFunction<MagnetarDelayedDeliveryTracker> value) {
        long total = 0;
        for (MagnetarDelayedDeliveryTracker tracker : live) {
            total += value.applyAsLong(tracker);
        }
        return total;
    }

    @Override
    public DelayedDeliveryTracker newTracker(AbstractPersistentDispatcherMultipleConsumers dispatcher) {
        AtomicReference<MagnetarDelayedDeliveryTracker> self = new AtomicReference<>();
        try {
            MagnetarDelayedDeliveryTracker tracker = new MagnetarDelayedDeliveryTracker(dispatcher, legacyStorage,
                    scheduler, Clock.systemUTC(), indexFactory(), () -> live.remove(self.get()));
            self.set(tracker);
            live.add(tracker);
            return tracker;
        } catch (Exception e) {
            log.warn("[{} / {}] Magnetar delayed index unavailable, using Pulsar's in-memory tracker",
                    dispatcher.getTopic().getName(), dispatcher.getSubscription().getName(), e);
            BrokerService brokerService = dispatcher.getTopic().getBrokerService();
            brokerService.initializeFallbackDelayedDeliveryTrackerFactory();
            return brokerService.getFallbackDelayedDeliveryTrackerFactory().newTracker(dispatcher);
        }
    }

    private MagnetarDelayedDeliveryTracker.IndexFactory indexFactory() {
        return new MagnetarDelayedDeliveryTracker.IndexFactory() {
            @Override
            public IndexStore store(AbstractPersistentDispatcherMultipleConsumers dispatcher) {
                return new BookKeeperIndexStore(bookKeeper, dispatcher.getCursor(), replication,
                        dispatcher.getTopic().getName(), dispatcher.getSubscription().getName());
            }

            @Override
            public DelayIndex index(String name, IndexStore store, DelayIndex.Listener listener) {
                return new DelayIndex(name, store, config.index(), System::currentTimeMillis, listener, stats);
            }
        };
    }

    /** Deletes the persisted index of a subscription that has no live tracker (subscription delete, clear). */
    @Override
    public CompletableFuture<Void> cleanResidualSnapshots(ManagedCursor cursor) {
        Map<String, String> properties = cursor.getCursorProperties();
        List<CompletableFuture<Void>> deletions = new ArrayList<>();
        String manifest = properties.get(BookKeeperIndexStore.MANIFEST_PROPERTY);
        if (manifest != null) {
            CompletableFuture<Void> ledgers = CompletableFuture.completedFuture(null);
            for (long id : BookKeeperIndexStore.parseManifest(manifest, cursor.getName())) {
                ledgers = ledgers.thenCompose(ignored -> deleteLedger(id));
            }
            deletions.add(ledgers.thenCompose(ignored ->
                    cursor.removeCursorProperty(BookKeeperIndexStore.MANIFEST_PROPERTY)));
        }
        properties.forEach((key, value) -> {
            if (key.startsWith(BucketDelayedDeliveryTracker.DELAYED_BUCKET_KEY_PREFIX)) {
                deletions.add(legacyStorage.deleteBucketSnapshot(Long.parseLong(value))
                        .exceptionally(e -> null)
                        .thenCompose(ignored -> cursor.removeCursorProperty(key)));
            }
        });
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> deleteLedger(long id) {
        return bookKeeper.get().newDeleteLedgerOp().withLedgerId(id).execute().exceptionally(e -> {
            log.warn("Could not delete delayed index ledger {}: {}", id, e.toString());
            return null;
        });
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
