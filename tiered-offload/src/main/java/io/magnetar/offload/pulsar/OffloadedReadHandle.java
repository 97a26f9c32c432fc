package io.magnetar.offload.pulsar;

import io.magnetar.offload.format.CorruptIndexException;
import io.magnetar.offload.format.LedgerIndex;
import io.magnetar.offload.format.TransferPlan;
import io.magnetar.offload.s3.ObjectStore;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.LedgerMetadata;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.impl.LedgerEntriesImpl;
import org.apache.bookkeeper.client.impl.LedgerEntryImpl;
import org.apache.bookkeeper.meta.LedgerMetadataSerDe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger read back from the object store. The index is fetched once when the handle opens; every
 * {@code readAsync(first, last)} is one or more exact ranged GETs of whole entries (in parallel when the range is
 * larger than {@code readChunkBytes}), each entry checked against its CRC32C. Handles share nothing, so
 * concurrent readers of one ledger never disturb each other.
 */
final class OffloadedReadHandle extends ClosedLedgerHandle {
    private static final Logger log = LoggerFactory.getLogger(OffloadedReadHandle.class);

    private final long ledgerId;
    private final LedgerIndex index;
    private final LedgerMetadata metadata;
    private final ObjectStore store;
    private final String dataKey;
    private final Executor io;
    private final long chunkBytes;
    private final OffloadMetrics metrics;
    private final String topic;

    private OffloadedReadHandle(LedgerIndex index, LedgerMetadata metadata, ObjectStore store, String dataKey,
                                Executor io, long chunkBytes, OffloadMetrics metrics, String topic) {
        this.ledgerId = index.ledgerId();
        this.index = index;
        this.metadata = metadata;
        this.store = store;
        this.dataKey = dataKey;
        this.io = io;
        this.chunkBytes = chunkBytes;
        this.metrics = metrics;
        this.topic = topic;
    }

    /** Fetches and validates the index, then returns a handle on the data object. */
    static CompletableFuture<ReadHandle> open(ObjectStore store, String dataKey, String indexKey, long ledgerId,
                                              Executor io, long chunkBytes, OffloadMetrics metrics, String topic) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] bytes = store.get(indexKey);
                metrics.getRequests.increment();
                LedgerIndex index = LedgerIndex.decode(bytes, ledgerId);
                LedgerMetadata metadata = index.ledgerMetadata().length == 0 ? null
                        : new LedgerMetadataSerDe().parseConfig(index.ledgerMetadata(), ledgerId, Optional.empty());
                return new OffloadedReadHandle(index, metadata, store, dataKey, io, chunkBytes, metrics, topic);
            } catch (IOException e) {
                metrics.readErrors.increment();
                log.warn("[{}] cannot open offloaded ledger {} (s3://{}/{}): {}", topic, ledgerId, store.bucket(),
                        indexKey, e.getMessage());
                throw new UncheckedIOException(e);
            }
        }, io);
    }

    LedgerIndex index() {
        return index;
    }

    @Override
    public long getId() {
        return ledgerId;
    }

    @Override
    public LedgerMetadata getLedgerMetadata() {
        return metadata;
    }

    @Override
    public CompletableFuture<LedgerEntries> readAsync(long first, long last) {
        lastAccess = System.currentTimeMillis();
        if (first < 0 || last < first || last > index.lastEntryId()) {
            log.debug("[{}] ledger {}: read {}..{} outside 0..{}", topic, ledgerId, first, last, index.lastEntryId());
            return CompletableFuture.failedFuture(new BKException.BKIncorrectParameterException());
        }
        List<TransferPlan.Chunk> chunks = TransferPlan.readChunks(index, first, last, chunkBytes);
        List<CompletableFuture<List<LedgerEntry>>> parts = new ArrayList<>(chunks.size());
        pendingReads.incrementAndGet();
        for (TransferPlan.Chunk chunk : chunks) {
            parts.add(CompletableFuture.supplyAsync(() -> fetch(chunk), io));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            pendingReads.decrementAndGet();
            if (error != null) {
                for (CompletableFuture<List<LedgerEntry>> part : parts) {
                    if (!part.isCompletedExceptionally()) {
                        part.join().forEach(LedgerEntry::close);
                    }
                }
                metrics.readErrors.increment();
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                log.warn("[{}] ledger {}: reading entries {}..{} from s3://{}/{} failed: {}", topic, ledgerId, first,
                        last, store.bucket(), dataKey, cause.getMessage());
                throw cause instanceof CompletionException ce ? ce : new CompletionException(cause);
            }
            List<LedgerEntry> all = new ArrayList<>((int) (last - first + 1));
            for (CompletableFuture<List<LedgerEntry>> part : parts) {
                all.addAll(part.join());
            }
            return (LedgerEntries) LedgerEntriesImpl.create(all);
        });
    }

    private List<LedgerEntry> fetch(TransferPlan.Chunk chunk) {
        byte[] bytes;
        try {
            bytes = store.getRange(dataKey, chunk.start(), chunk.end());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        metrics.getRequests.increment();
        List<LedgerEntry> entries = new ArrayList<>((int) (chunk.last() - chunk.first() + 1));
        int off = 0;
        for (long e = chunk.first(); e <= chunk.last(); e++) {
            int len = index.length(e);
            if (LedgerIndex.crc32c(bytes, off, len) != index.checksum(e)) {
                throw new UncheckedIOException(new CorruptIndexException("entry " + e + " of ledger " + ledgerId
                        + " in s3://" + store.bucket() + "/" + dataKey + " fails its CRC32C"));
            }
            entries.add(LedgerEntryImpl.create(ledgerId, e, len, Unpooled.wrappedBuffer(bytes, off, len)));
            off += len;
        }
        metrics.readBytes.add(bytes.length);
        metrics.readEntries.add(entries.size());
        return entries;
    }

    @Override
    public long getLastAddConfirmed() {
        return index.lastEntryId();
    }

    @Override
    public long getLength() {
        return index.dataLength();
    }

}
