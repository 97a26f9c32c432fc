package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.plan.BlockCache;
import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.store.BlockPool;
import io.magnetar.offload.store.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.mledger.LedgerOffloader;
import org.apache.pulsar.common.policies.data.OffloadPolicies;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's (or the broker default's) offloader. Holds no resources of its own: the S3 client, thread
 * pools and memory budget belong to the factory, so the broker may close and rebuild offloaders freely.
 */
public final class MagnetarOffloader implements LedgerOffloader {
    private static final Logger log = LoggerFactory.getLogger(MagnetarOffloader.class);
    static final String META_BUCKET = StoreLocation.BUCKET;
    static final String META_PREFIX = "prefix";
    static final String META_REGION = StoreLocation.REGION;
    static final String META_ENDPOINT = StoreLocation.ENDPOINT;
    static final String META_FORMAT = "magnetarFormat";
    private static final String TOPIC_KEY = "ManagedLedgerName";

    private final OffloadPoliciesImpl policies;
    private final OffloadConfig config;
    private final Function<StoreLocation, ObjectStore> stores;
    private final ObjectStore store;
    private final Executor offloadThreads;
    private final Executor io;
    private final LedgerUploader uploader;
    private final OffloadMetrics metrics;
    private final Map<String, String> driverMetadata;
    private final OffloadedReadHandle.ReadSettings readSettings;
    private final OrphanSweeper sweeper;

    /**
     * @param stores the store at a location (the configured one for new offloads; the recorded one for reads)
     * @param offloadThreads where whole-ledger uploads run (they block on reads and the memory budget)
     * @param io where single S3 requests run
     * @param readCache the broker-wide cache of read blocks
     */
    MagnetarOffloader(OffloadPoliciesImpl policies, OffloadConfig config, Function<StoreLocation, ObjectStore> stores,
                      MemoryBudget budget, BlockPool streamBlocks, BlockCache readCache, OrphanSweeper sweeper,
                      Executor offloadThreads, Executor io, OffloadMetrics metrics) {
        this.policies = policies;
        this.config = config;
        this.stores = stores;
        this.store = stores.apply(StoreLocation.of(config));
        this.offloadThreads = offloadThreads;
        this.io = io;
        this.metrics = metrics;
        this.uploader = new LedgerUploader(store, config, budget, streamBlocks, io, metrics);
        this.sweeper = sweeper;
        this.readSettings = new OffloadedReadHandle.ReadSettings(config.readChunkBytes(), config.readAheadBytes(),
                readCache);
        sweeper.maybeSweep(store, config.prefix(), Duration.ofSeconds(config.orphanUploadAgeSeconds()), io);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_BUCKET, config.bucket());
        meta.put(META_PREFIX, config.prefix());
        meta.put(META_REGION, config.region());
        meta.put(META_ENDPOINT, config.endpoint().map(Object::toString).orElse(""));
        meta.put(META_FORMAT, "1");
        this.driverMetadata = Map.copyOf(meta);
    }

    @Override
    public String getOffloadDriverName() {
        return OffloadConfig.DRIVER_NAME;
    }

    @Override
    public Map<String, String> getOffloadDriverMetadata() {
        return driverMetadata;
    }

    @Override
    public CompletableFuture<Void> offload(ReadHandle ledger, UUID uid, Map<String, String> extraMetadata) {
        String topic = extraMetadata == null ? "" : extraMetadata.getOrDefault(TOPIC_KEY, "");
        sweeper.maybeSweep(store, config.prefix(), Duration.ofSeconds(config.orphanUploadAgeSeconds()), io);
        return CompletableFuture.runAsync(() -> {
            try {
                uploader.upload(ledger, uid, extraMetadata == null ? Map.of() : extraMetadata, topic);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, offloadThreads).whenComplete((ignored, error) -> {
            if (error != null) {
                metrics.offloadErrors.increment();
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                log.warn("[{}] offload of ledger {} to bucket {} failed: {}", topic, ledger.getId(), config.bucket(),
                        cause.getMessage());
            }
        });
    }

    @Override
    public CompletableFuture<ReadHandle> readOffloaded(long ledgerId, UUID uid, Map<String, String> driverMetadata) {
        String topic = driverMetadata == null ? "" : driverMetadata.getOrDefault(TOPIC_KEY, "");
        ObjectStore from;
        String prefix;
        try {
            from = storeFor(driverMetadata);
            prefix = prefixFor(driverMetadata);
        } catch (RuntimeException e) {
            metrics.readErrors.increment();
            return CompletableFuture.failedFuture(e);
        }
        if (writtenByMagnetar(driverMetadata)) {
            return OffloadedReadHandle.open(from, ObjectNames.dataKey(prefix, uid, ledgerId),
                    ObjectNames.indexKey(prefix, uid, ledgerId), ledgerId, io, readSettings, metrics, topic);
        }
        // Offloaded before the namespace switched to magnetar-s3: Pulsar's jcloud format (or, without driver
        // metadata naming Magnetar, ours under its own keys).
        String indexKey = ObjectNames.jcloudIndexKey(uid, ledgerId);
        CompletableFuture<ReadHandle> jcloud = CompletableFuture.supplyAsync(() -> {
            try {
                byte[] index = from.get(indexKey);
                metrics.getRequests.increment();
                ReadHandle handle = JcloudReadHandle.open(index, from, ObjectNames.jcloudDataKey(uid, ledgerId),
                        ledgerId, io, config.readChunkBytes(), metrics, topic);
                log.info("[{}] reading ledger {} in Pulsar's jcloud format from s3://{}/{}", topic, ledgerId,
                        from.bucket(), indexKey);
                return handle;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io);
        return jcloud.exceptionallyCompose(error -> {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof UncheckedIOException u && u.getCause() instanceof FileNotFoundException) {
                return OffloadedReadHandle.open(from, ObjectNames.dataKey(prefix, uid, ledgerId),
                        ObjectNames.indexKey(prefix, uid, ledgerId), ledgerId, io, readSettings, metrics, topic);
            }
            metrics.readErrors.increment();
            log.warn("[{}] cannot open jcloud-format ledger {} (s3://{}/{}): {}", topic, ledgerId, from.bucket(),
                    indexKey, cause.getMessage());
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** Whether the ledger's driver metadata (recorded at offload) is Magnetar's. */
    private static boolean writtenByMagnetar(Map<String, String> meta) {
        return meta != null && meta.containsKey(META_FORMAT);
    }

    @Override
    public CompletableFuture<Void> deleteOffloaded(long ledgerId, UUID uid, Map<String, String> driverMetadata) {
        String topic = driverMetadata == null ? "" : driverMetadata.getOrDefault(TOPIC_KEY, "");
        return CompletableFuture.runAsync(() -> {
            ObjectStore from = storeFor(driverMetadata);
            String prefix = prefixFor(driverMetadata);
            try {
                // Index first: a ledger whose index is gone is never read, whatever happens to the data delete.
                if (writtenByMagnetar(driverMetadata)) {
                    String dataKey = ObjectNames.dataKey(prefix, uid, ledgerId);
                    from.delete(List.of(ObjectNames.indexKey(prefix, uid, ledgerId)));
                    // an attempt that failed or died (broker killed) may have left its multipart upload open
                    sweeper.abortUploadsOf(from, dataKey);
                    from.delete(List.of(dataKey));
                } else {
                    from.delete(List.of(ObjectNames.jcloudIndexKey(uid, ledgerId)));
                    from.delete(List.of(ObjectNames.jcloudDataKey(uid, ledgerId)));
                }
                metrics.deletedLedgers.increment();
                log.info("[{}] deleted offloaded ledger {} (uid {}) from bucket {}", topic, ledgerId, uid,
                        from.bucket());
            } catch (IOException e) {
                metrics.deleteErrors.increment();
                log.warn("[{}] deleting offloaded ledger {} (uid {}) failed: {}", topic, ledgerId, uid, e.getMessage());
                throw new UncheckedIOException(e);
            }
        }, io);
    }

    /** The store the ledger was written to (bucket, endpoint, region recorded in its driver metadata). */
    private ObjectStore storeFor(Map<String, String> meta) {
        StoreLocation at = StoreLocation.recorded(meta, config);
        return at.equals(StoreLocation.of(config)) ? store : stores.apply(at);
    }

    private String prefixFor(Map<String, String> meta) {
        String prefix = meta == null ? null : meta.get(META_PREFIX);
        return prefix == null ? config.prefix() : prefix;
    }

    /** The object the broker created this offloader from: it compares it with the current policies. */
    @Override
    public OffloadPolicies getOffloadPolicies() {
        return policies;
    }

    @Override
    public void close() {
        // shared resources belong to the factory
    }
}
