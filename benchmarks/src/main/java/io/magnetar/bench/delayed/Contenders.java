package io.magnetar.bench.delayed;

import io.magnetar.delayed.DelayIndexSettings;
import io.magnetar.delayed.IndexStats;
import io.magnetar.delayed.TopicDelayIndex;
import io.magnetar.delayed.pulsar.BenchTrackers;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.InMemoryDelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.BucketDelayedDeliveryTracker;

/** The three trackers, each with the settings and timer its broker factory would give it. */
final class Contenders {
    static final String MAGNETAR = "Magnetar";
    static final String IN_MEMORY = "InMemory";
    static final String BUCKET = "Bucket";

    private Contenders() {
    }

    static List<Contender> all(ServiceConfiguration conf) {
        return List.of(new Magnetar(), new InMemory(conf), new Bucket(conf));
    }

    /** Pulsar's factories give every tracker of a broker one wheel timer ticking every delayedDeliveryTickTime. */
    private static HashedWheelTimer pulsarTimer(ServiceConfiguration conf) {
        return new HashedWheelTimer(new DefaultThreadFactory("pulsar-delayed-delivery", true),
                conf.getDelayedDeliveryTickTimeMillis(), TimeUnit.MILLISECONDS);
    }

    /** A contender whose tracker persists into a {@link StandInStorage}: its reads, bytes and idleness. */
    abstract static class Persisting implements Contender {
        protected final StandInStorage storage;

        Persisting(String storageName) {
            this.storage = new StandInStorage(storageName);
        }

        @Override
        public long entriesRead() {
            return storage.entriesRead();
        }

        @Override
        public long storageHeapBytes() {
            return storage.heapBytes();
        }

        @Override
        public long persistedBytes() {
            return storage.payloadBytes();
        }

        @Override
        public void awaitStorageIdle() throws InterruptedException {
            storage.awaitIdle();
        }
    }

    /** Magnetar's tracker over an in-memory {@link StandInIndexStore} per subscription, default settings. */
    static final class Magnetar extends Persisting {
        private final Map<BenchDispatcher, StandInIndexStore> stores = new ConcurrentHashMap<>();
        private final Map<BenchDispatcher, TopicDelayIndex> topics = new ConcurrentHashMap<>();
        private final IndexStats stats = new IndexStats();
        private final ScheduledThreadPoolExecutor scheduler;

        Magnetar() {
            super("magnetar");
            // as MagnetarDelayedDeliveryTrackerFactory: one wake-up thread per broker
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "magnetar-delayed-wakeup");
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
        }

        @Override
        public String name() {
            return MAGNETAR;
        }

        @Override
        public DelayedDeliveryTracker newTracker(BenchDispatcher dispatcher, Clock clock) throws Exception {
            // one topic per dispatcher here; as the factory: a live index is joined, else a new one recovers
            StandInIndexStore store = stores.computeIfAbsent(dispatcher,
                    d -> new StandInIndexStore(storage, 1 + 1_000_000L * stores.size()));
            return BenchTrackers.magnetar(dispatcher.dispatcher(), scheduler, clock,
                    (subscription, mdLedger, mdEntry, progress, listener) -> {
                        TopicDelayIndex topic = topics.get(dispatcher);
                        boolean created = topic == null || topic.closed();
                        if (created) {
                            topic = new TopicDelayIndex(dispatcher.dispatcher().getTopic().getName(), store,
                                    DelayIndexSettings.DEFAULTS, clock::millis, stats);
                            topics.put(dispatcher, topic);
                        }
                        TopicDelayIndex.Subscription joined = topic.join(subscription, mdLedger, mdEntry, progress,
                                listener);
                        if (created) {
                            topic.recover();
                        }
                        return joined;
                    });
        }

        @Override
        public void awaitRecovered(DelayedDeliveryTracker tracker) throws InterruptedException {
            // Magnetar's tracker pauses deliveries exactly while its index is recovering
            while (tracker.shouldPauseAllDeliveries()) {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000); // not a spin: 2 cores, storage needs one
            }
        }

        @Override
        public void close() throws Exception {
            scheduler.shutdownNow();
            storage.shutdown();
        }
    }

    /** Pulsar's InMemoryDelayedDeliveryTracker as InMemoryDelayedDeliveryTrackerFactory builds it. */
    static final class InMemory implements Contender {
        private final ServiceConfiguration conf;
        private final HashedWheelTimer timer;

        InMemory(ServiceConfiguration conf) {
            this.conf = conf;
            this.timer = pulsarTimer(conf);
        }

        @Override
        public String name() {
            return IN_MEMORY;
        }

        @Override
        public DelayedDeliveryTracker newTracker(BenchDispatcher dispatcher, Clock clock) {
            return new InMemoryDelayedDeliveryTracker(dispatcher.dispatcher(), timer,
                    conf.getDelayedDeliveryTickTimeMillis(), clock, conf.isDelayedDeliveryDeliverAtTimeStrict(),
                    conf.getDelayedDeliveryFixedDelayDetectionLookahead());
        }

        @Override
        public void close() {
            timer.stop();
        }
    }

    /** Pulsar's BucketDelayedDeliveryTracker as BucketDelayedDeliveryTrackerFactory builds it. */
    static final class Bucket extends Persisting {
        private final ServiceConfiguration conf;
        private final HashedWheelTimer timer;
        private final MemoryBucketSnapshotStorage snapshots;

        Bucket(ServiceConfiguration conf) {
            super("bucket");
            this.snapshots = new MemoryBucketSnapshotStorage(storage);
            this.conf = conf;
            this.timer = pulsarTimer(conf);
        }

        @Override
        public String name() {
            return BUCKET;
        }

        @Override
        public DelayedDeliveryTracker newTracker(BenchDispatcher dispatcher, Clock clock) throws Exception {
            return new BucketDelayedDeliveryTracker(dispatcher.dispatcher(), timer,
                    conf.getDelayedDeliveryTickTimeMillis(), clock, conf.isDelayedDeliveryDeliverAtTimeStrict(),
                    snapshots, conf.getDelayedDeliveryMinIndexCountPerBucket(),
                    TimeUnit.SECONDS.toMillis(conf.getDelayedDeliveryMaxTimeStepPerBucketSnapshotSegmentSeconds()),
                    conf.getDelayedDeliveryMaxIndexesPerBucketSnapshotSegment(),
                    conf.getDelayedDeliveryMaxNumBuckets());
        }

        @Override
        public void close() throws Exception {
            timer.stop();
            storage.shutdown();
        }
    }
}
