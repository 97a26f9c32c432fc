package io.magnetar.offload.pulsar;

import io.magnetar.metrics.MagnetarMetrics;
import io.prometheus.client.CollectorRegistry;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The offloader's counters, {@code magnetar_offload_*} on the broker's {@code /metrics/}. */
public final class OffloadMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OffloadMetrics.class);

    final LongAdder offloadedBytes;
    final LongAdder offloadedLedgers;
    final LongAdder uploadedParts;
    final LongAdder readBytes;
    final LongAdder readEntries;
    final LongAdder getRequests;
    final LongAdder deletedLedgers;
    final LongAdder offloadMillis;
    final LongAdder storedBytes;
    final LongAdder getBytes;
    final LongAdder cacheHits;
    final LongAdder cacheMisses;
    final LongAdder abortedUploads;
    final LongAdder retriedUploads;
    final LongAdder orphanUploadsAborted;
    final LongAdder offloadErrors;
    final LongAdder readErrors;
    final LongAdder deleteErrors;
    private final MagnetarMetrics metrics;

    OffloadMetrics(String cluster) {
        metrics = new MagnetarMetrics("offload", cluster == null ? "" : cluster);
        offloadedBytes = metrics.counter("offloaded_bytes", "Entry bytes written to the object store");
        offloadedLedgers = metrics.counter("offloaded_ledgers", "Ledgers offloaded completely (data and index)");
        uploadedParts = metrics.counter("uploaded_parts", "Multipart parts and single objects uploaded");
        readBytes = metrics.counter("read_bytes", "Entry bytes read back from the object store");
        readEntries = metrics.counter("read_entries", "Entries read back from the object store");
        getRequests = metrics.counter("get_requests", "GET requests to the object store (index and ranged data)");
        deletedLedgers = metrics.counter("deleted_ledgers", "Offloaded ledgers deleted from the object store");
        offloadMillis = metrics.counter("offload_time_ms", "Milliseconds spent offloading ledgers that succeeded"
                + " (divided by offloaded_ledgers: mean latency per ledger)");
        storedBytes = metrics.counter("stored_bytes", "Bytes of data objects written (below offloaded_bytes when"
                + " entries are compressed)");
        getBytes = metrics.counter("get_bytes", "Bytes fetched by ranged GETs, read-ahead included (get_requests per"
                + " 10^6 get_bytes: GETs per MB)");
        cacheHits = metrics.counter("read_cache_hits", "Read blocks found in a ledger's read-ahead cache"
                + " (fetched or in flight)");
        cacheMisses = metrics.counter("read_cache_misses", "Read blocks a read had to fetch itself");
        retriedUploads = metrics.counter("retried_uploads", "Ledgers uploaded again from buffers after their streamed"
                + " PUT failed part-way (the SDK cannot resend a streamed body)");
        abortedUploads = metrics.counter("aborted_uploads", "Multipart uploads aborted after a failed offload");
        orphanUploadsAborted = metrics.counter("orphan_uploads_aborted", "Multipart uploads left by an earlier"
                + " attempt or a killed broker, found and aborted");
        offloadErrors = metrics.counter("errors", "Failed offloader operations", "operation", "offload");
        readErrors = metrics.counter("errors", "Failed offloader operations", "operation", "read");
        deleteErrors = metrics.counter("errors", "Failed offloader operations", "operation", "delete");
    }

    /** Publishes on the broker's /metrics/ (which includes the JVM-wide default registry). */
    static OffloadMetrics bound(String cluster) {
        OffloadMetrics m = new OffloadMetrics(cluster);
        if (!m.metrics.bindPrometheusRegistry(CollectorRegistry.defaultRegistry)) {
            log.warn("magnetar_offload_* metrics already registered by another offloader factory; this one's"
                    + " counters are not published");
        }
        return m;
    }

    /** For tests: the Prometheus text of every family. */
    String text() {
        return metrics.toPrometheusText();
    }

    @Override
    public void close() {
        metrics.close();
    }
}
