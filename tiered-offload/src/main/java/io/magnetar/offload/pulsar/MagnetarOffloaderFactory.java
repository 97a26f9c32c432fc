package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.plan.BlockCache;
import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.s3.AwsObjectStore;
import io.magnetar.offload.s3.S3Settings;
import io.magnetar.offload.store.BlockPool;
import io.magnetar.offload.store.ObjectStore;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.bookkeeper.common.util.OrderedScheduler;
import org.apache.bookkeeper.mledger.LedgerOffloaderFactory;
import org.apache.bookkeeper.mledger.LedgerOffloaderStats;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Pulsar's entry point (named in {@code META-INF/services/pulsar-offloader.yaml}): driver {@code magnetar-s3}.
 * Pulsar keeps one factory per NAR and calls {@code create} for the broker default and for every namespace whose
 * offload policies change. The factory owns what must be shared broker-wide: S3 clients (one per store and
 * credentials), the offload and I/O threads, the upload memory budget, the blocks of streamed uploads, the read
 * cache and the metrics.
 */
public final class MagnetarOffloaderFactory implements LedgerOffloaderFactory<MagnetarOffloader> {
    private static final Logger log = LoggerFactory.getLogger(MagnetarOffloaderFactory.class);
    private static final String CLUSTER_KEY = "pulsarClusterName".toLowerCase();

    /** Per store configuration: the client for GETs and small requests, and the one for upload bodies. */
    private final Map<String, S3Client[]> clients = new ConcurrentHashMap<>();
    private ExecutorService offloadThreads;
    private ExecutorService io;
    private MemoryBudget budget;
    private BlockPool streamBlocks;
    private BlockCache readCache;
    private OrphanSweeper sweeper;
    private OffloadMetrics metrics;
    private Map<String, String> brokerExtra;

    @Override
    public boolean isDriverSupported(String driverName) {
        return OffloadConfig.DRIVER_NAME.equalsIgnoreCase(driverName);
    }

    @Override
    public MagnetarOffloader create(OffloadPoliciesImpl policies, Map<String, String> userMetadata,
                                    OrderedScheduler scheduler) throws IOException {
        return create(policies, userMetadata, scheduler, null);
    }

    @Override
    public synchronized MagnetarOffloader create(OffloadPoliciesImpl policies, Map<String, String> userMetadata,
                                                 OrderedScheduler scheduler, LedgerOffloaderStats stats)
            throws IOException {
        if (brokerExtra == null) {
            // The first policies are the broker default's (created at start): their extra configuration is the
            // only place broker.conf's managedLedgerOffloadExtraConfig* keys reach us.
            Map<String, String> extra = policies.getManagedLedgerExtraConfigurations();
            brokerExtra = extra == null ? Map.of() : Map.copyOf(extra);
        }
        OffloadConfig config;
        try {
            config = OffloadConfig.from(policies, brokerExtra, System::getenv);
        } catch (IllegalArgumentException e) {
            throw new IOException("offload driver " + OffloadConfig.DRIVER_NAME + ": " + e.getMessage(), e);
        }
        if (metrics == null) {
            // The first configuration (the broker default, created at start) sizes the shared resources.
            metrics = OffloadMetrics.bound(userMetadata == null ? "" : userMetadata.getOrDefault(CLUSTER_KEY, ""));
            io = Executors.newFixedThreadPool(config.ioThreads(), threads("magnetar-offload-io"));
            offloadThreads = Executors.newFixedThreadPool(Math.max(2, config.ioThreads() / 2),
                    threads("magnetar-offload-ledger"));
            budget = new MemoryBudget(config.uploadMemoryBytes());
            streamBlocks = StreamedDataObject.newBlockPool();
            readCache = new BlockCache(config.readCacheBytes());
            sweeper = new OrphanSweeper(metrics);
            log.info("Magnetar offloader: {} I/O threads, upload memory budget {} bytes, read cache {} bytes",
                    config.ioThreads(), config.uploadMemoryBytes(), config.readCacheBytes());
        }
        if (config.partSizeBytes() > budget.capacityBytes()) {
            throw new IOException("offload driver " + OffloadConfig.DRIVER_NAME + ": " + OffloadConfig.EXTRA
                    + OffloadConfig.PART_SIZE + " (" + config.partSizeBytes() + ") exceeds the broker's upload memory"
                    + " budget (" + budget.capacityBytes() + ")");
        }
        clientsFor(config);
        log.info("Magnetar offloader created: {}", config);
        Map<StoreLocation, ObjectStore> stores = new ConcurrentHashMap<>();
        return new MagnetarOffloader(policies, config, at -> stores.computeIfAbsent(at, l -> {
            // a ledger recorded elsewhere (endpoint or region changed since): the same credentials, pointed there
            S3Client[] pair = clientsFor(config.at(l.endpoint(), l.region()));
            return AwsObjectStore.on(pair[0], pair[1], l.bucket(), s3Settings(config));
        }),
                budget, streamBlocks, readCache, sweeper, offloadThreads, io, metrics);
    }

    private S3Client[] clientsFor(OffloadConfig config) {
        S3Settings settings = s3Settings(config);
        return clients.computeIfAbsent(config.clientKey(),
                k -> new S3Client[] {AwsObjectStore.newClient(settings), AwsObjectStore.newUploadClient(settings)});
    }

    /** The part of the configuration the S3 clients and store need. */
    static S3Settings s3Settings(OffloadConfig config) {
        Optional<S3Settings.Keys> keys = config.credentialSource() == OffloadConfig.CredentialSource.SDK_DEFAULT_CHAIN
                ? Optional.empty() : Optional.of(new S3Settings.Keys(config.accessKeyId(), config.secretAccessKey()));
        return new S3Settings(config.region(), config.endpoint(), config.pathStyle(), keys,
                config.uploadIntegrity() == OffloadConfig.UploadIntegrity.CRC32C);
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(MagnetarOffloaderFactory.class.getClassLoader());
            return t;
        };
    }

    @Override
    public synchronized void close() {
        if (offloadThreads != null) {
            offloadThreads.shutdownNow();
            io.shutdown();
            try {
                io.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            io.shutdownNow();
        }
        clients.values().forEach(pair -> {
            pair[0].close();
            pair[1].close();
        });
        clients.clear();
        if (metrics != null) {
            metrics.close();
        }
    }
}
