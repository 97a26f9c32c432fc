package io.magnetar.delayed.pulsar;

import io.magnetar.config.MagnetarSettings;
import io.magnetar.delayed.DelayIndexSettings;
import io.magnetar.delayed.IndexStats;
import io.magnetar.delayed.TopicDelayIndex;
import io.magnetar.delayed.WakeUp;
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
import org.apache.bookkeeper.mledger.ManagedLedger;
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
 * One instance per broker (Pulsar creates it while constructing the broker service); it owns the topic indexes
 * (one per topic, shared by the topic's subscriptions), the wake-up scheduler, the shared counters and metrics. It extends Pulsar's bucket tracker factory only so that the
 * broker calls {@link #cleanResidualSnapshots} when a subscription without a live dispatcher is deleted or
 * cleared: that is where the topic's persisted index is removed once no subscription needs it.
 */
public class MagnetarDelayedDeliveryTrackerFactory extends BucketDelayedDeliveryTrackerFactory {
    private static final Logger log = LoggerFactory.getLogger(MagnetarDelayedDeliveryTrackerFactory.class);

    private final Set<MagnetarDelayedDeliveryTracker> live = ConcurrentHashMap.newKeySet();
    /** The live topic indexes, by managed-ledger name. */
    private final Map<String, TopicDelayIndex> topics = new ConcurrentHashMap<>();
    private final IndexStats stats = new IndexStats();
    private DelayIndexSettings settings;
    private Supplier<BookKeeper> bookKeeper;
    private BookKeeperIndexStore.LedgerReplication replication;
    private ScheduledThreadPoolExecutor scheduler;
    private LegacyBucketSnapshotStorage legacyStorage;
    private MagnetarMetrics metrics;

    @Override
    public void initialize(PulsarService pulsar) {
        ServiceConfiguration conf = pulsar.getConfiguration();
        TrackerInternals.check();
        // every Magnetar key is checked here, not only the tracker's: a bad value stops the broker's start
        settings = DelayIndexSettings.of(MagnetarSettings.from(conf.getProperties()).delayed());
        bookKeeper = pulsar::getBookKeeperClient;
        replication = BookKeeperIndexStore.LedgerReplication.of(conf);
        legacyStorage = new LegacyBucketSnapshotStorage(bookKeeper);
        scheduler = WakeUp.executor("magnetar-delayed-wakeup");
        metrics = new MagnetarMetrics("delayed", conf.getClusterName());
        registerMetrics(metrics);
        metrics.bind(pulsar);
        log.info("Magnetar delayed delivery tracker ready: window {} ms, seal every {} messages, chunks of {}",
                settings.windowMillis(), settings.sealThreshold(), settings.chunkSize());
    }

    private void registerMetrics(MagnetarMetrics m) {
        m.gauge("messages_held", "delayed messages held, counted once per subscription holding them",
                () -> sum(t -> t.index().size()));
        m.gauge("messages_indexed", "delayed messages in topic-level buffers and buckets, counted once per topic",
                () -> topics.values().stream().mapToLong(TopicDelayIndex::indexedCount).sum());
        m.gauge("memory_bytes", "heap bytes of the delayed indexes", () -> sum(t -> t.index().memoryBytes())
                + topics.values().stream().mapToLong(TopicDelayIndex::memoryBytes).sum());
        m.gauge("persisted_bytes", "bytes of delayed index chunks in BookKeeper",
                () -> topics.values().stream().mapToLong(TopicDelayIndex::persistedBytes).sum());
        m.gauge("topics", "topics with a delayed index", topics::size);
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
                    scheduler, Clock.systemUTC(), (sub, mdLedger, mdEntry, progress, listener) ->
                            joinTopic(dispatcher.getCursor().getManagedLedger(), sub, mdLedger, mdEntry, progress,
                                    listener),
                    () -> trackerClosed(self.get()));
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

    private TopicDelayIndex.Subscription joinTopic(ManagedLedger ledger, String subscription, long mdLedger,
                                                   long mdEntry, TopicDelayIndex.ReadProgress progress,
                                                   TopicDelayIndex.Listener listener) {
        while (true) {
            boolean created = false;
            TopicDelayIndex topic;
            synchronized (topics) {
                topic = topics.get(ledger.getName());
                if (topic == null || topic.closed()) {
                    topic = new TopicDelayIndex(ledger.getName(),
                            new BookKeeperIndexStore(bookKeeper, ledger, replication), settings,
                            System::currentTimeMillis, stats);
                    topics.put(ledger.getName(), topic);
                    created = true;
                }
            }
            try {
                TopicDelayIndex.Subscription joined = topic.join(subscription, mdLedger, mdEntry, progress, listener);
                if (created) {
                    topic.recover();
                }
                return joined;
            } catch (IllegalStateException closedMeanwhile) {
                // the last subscription left between lookup and join: make a new index
            }
        }
    }

    private void trackerClosed(MagnetarDelayedDeliveryTracker tracker) {
        live.remove(tracker);
        TopicDelayIndex topic = tracker.index().topic();
        if (topic.closed()) {
            topics.remove(topic.name(), topic);
        }
    }

    /**
     * Called by the broker when a subscription without a live tracker is deleted or cleared. The topic's buckets
     * are shared: they are deleted only when no other subscription of the topic is left, and no live index uses
     * them. Snapshots of Pulsar's bucket tracker left in the cursor are deleted too.
     */
    @Override
    public CompletableFuture<Void> cleanResidualSnapshots(ManagedCursor cursor) {
        List<CompletableFuture<Void>> deletions = new ArrayList<>();
        ManagedLedger ledger = cursor.getManagedLedger();
        String manifest = ledger.getProperties().get(BookKeeperIndexStore.MANIFEST_PROPERTY);
        if (manifest != null && !topics.containsKey(ledger.getName()) && noOtherSubscription(ledger, cursor)) {
            BookKeeperIndexStore store = new BookKeeperIndexStore(bookKeeper, ledger, replication);
            CompletableFuture<Void> ledgers = store.saveManifest(new long[0]);
            for (long id : BookKeeperIndexStore.parseManifest(manifest, ledger.getName())) {
                ledgers = ledgers.thenCompose(ignored -> store.deleteBucket(id).exceptionally(e -> {
                    log.warn("[{}] Could not delete delayed index ledger {}: {}", ledger.getName(), id, e.toString());
                    return null;
                }));
            }
            deletions.add(ledgers);
        }
        cursor.getCursorProperties().forEach((key, value) -> {
            if (key.startsWith(BucketDelayedDeliveryTracker.DELAYED_BUCKET_KEY_PREFIX)) {
                deletions.add(legacyStorage.deleteBucketSnapshot(Long.parseLong(value))
                        .exceptionally(e -> null)
                        .thenCompose(ignored -> cursor.removeCursorProperty(key)));
            }
        });
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new));
    }

    private static boolean noOtherSubscription(ManagedLedger ledger, ManagedCursor cursor) {
        for (ManagedCursor other : ledger.getCursors()) {
            if (other.isDurable() && !other.getName().equals(cursor.getName())) {
                return false;
            }
        }
        return true;
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
