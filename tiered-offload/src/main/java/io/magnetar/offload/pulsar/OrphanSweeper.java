package io.magnetar.offload.pulsar;

import io.magnetar.offload.plan.OrphanUploads;
import io.magnetar.offload.store.ObjectStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts orphaned multipart uploads (see {@link OrphanUploads}): the uploads of one ledger's data object when
 * Pulsar deletes that offload attempt, and, at most once an interval per bucket and prefix (first at the first
 * offloader, then at offload time), every Magnetar upload older than {@code OrphanUploadAgeSeconds}.
 */
final class OrphanSweeper {
    private static final Logger log = LoggerFactory.getLogger(OrphanSweeper.class);
    static final Duration INTERVAL = Duration.ofHours(1);

    private final Map<String, Instant> lastSweep = new ConcurrentHashMap<>();
    private final OffloadMetrics metrics;

    OrphanSweeper(OffloadMetrics metrics) {
        this.metrics = metrics;
    }

    /** Starts a sweep of the store's Magnetar uploads on {@code io} unless one ran within {@link #INTERVAL}. */
    void maybeSweep(ObjectStore store, String prefix, Duration age, Executor io) {
        String key = store.bucket() + "/" + prefix;
        Instant now = Instant.now();
        Instant previous = lastSweep.get(key);
        if (previous != null && previous.plus(INTERVAL).isAfter(now)) {
            return;
        }
        boolean mine = previous == null ? lastSweep.putIfAbsent(key, now) == null : lastSweep.replace(key, previous, now);
        if (!mine) {
            return;
        }
        try {
            io.execute(() -> {
                try {
                    List<ObjectStore.Upload> stale = OrphanUploads.stale(
                            store.listMultipartUploads(OrphanUploads.listPrefix(prefix)), prefix, Instant.now(), age);
                    abort(store, stale, "older than " + age.toSeconds() + " s");
                } catch (IOException e) {
                    log.warn("listing multipart uploads in bucket {} for orphans failed (retried in {} min): {}",
                            store.bucket(), INTERVAL.toMinutes(), e.getMessage());
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            lastSweep.remove(key, now);
        }
    }

    /** Aborts every upload of {@code dataKey} (its offload attempt is over). Blocking. */
    void abortUploadsOf(ObjectStore store, String dataKey) throws IOException {
        abort(store, OrphanUploads.of(store.listMultipartUploads(dataKey), dataKey), "of a finished offload attempt");
    }

    private void abort(ObjectStore store, List<ObjectStore.Upload> uploads, String why) throws IOException {
        for (ObjectStore.Upload u : uploads) {
            store.abortMultipartUpload(u.key(), u.uploadId());
            metrics.orphanUploadsAborted.increment();
            log.info("aborted orphaned multipart upload of s3://{}/{} (initiated {}, {})", store.bucket(), u.key(),
                    u.initiated(), why);
        }
    }
}
