package io.magnetar.offload.pulsar;

import io.magnetar.offload.format.CorruptIndexException;
import io.magnetar.offload.format.EntryCodec;
import io.magnetar.offload.format.LedgerIndex;
import io.magnetar.offload.plan.BlockCache;
import io.magnetar.offload.plan.TransferPlan;
import io.magnetar.offload.store.ObjectStore;
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
 * A ledger read back from the object store. The index is fetched once when the handle opens. Reads go through a
 * {@link BlockCache} of the data object ({@code ReadChunkBytes} blocks): a read fetches the blocks it needs in
 * parallel ranged GETs and starts read-ahead of the next {@code ReadAheadBytes}, so a sequential reader (the
 * broker reads a backlog in order, a batch at a time) mostly finds its blocks fetched already. Pulsar keeps one
 * handle per offloaded ledger of a topic, so every reader of the ledger shares the cache and a block is fetched
 * once for all of them. Every entry is checked against its CRC32C. Without a cache ({@code ReadCacheBytes=0})
 * a read is exact ranged GETs of whole entries.
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
    private final BlockCache.Source cache;

    private OffloadedReadHandle(LedgerIndex index, LedgerMetadata metadata, ObjectStore store, String dataKey,
                                Executor io, ReadSettings settings, OffloadMetrics metrics, String topic) {
        this.ledgerId = index.ledgerId();
        this.index = index;
        this.metadata = metadata;
        this.store = store;
        this.dataKey = dataKey;
        this.io = io;
        this.chunkBytes = settings.chunkBytes();
        this.metrics = metrics;
        this.topic = topic;
        this.cache = settings.cache() == null || settings.cache().capacityBytes() == 0 ? null
                : settings.cache().open(index.dataLength(), (int) settings.chunkBytes(), settings.aheadBytes(),
                        block -> CompletableFuture.supplyAsync(() -> fetchBlock(block), io));
    }

    /** How reads of a ledger use the store: block/GET size, read-ahead, and the broker-wide block cache. */
    record ReadSettings(long chunkBytes, long aheadBytes, BlockCache cache) {
    }

    /** Fetches and validates the index, then returns a handle on the data object. */
    static CompletableFuture<ReadHandle> open(ObjectStore store, String dataKey, String indexKey, long ledgerId,
                                              Executor io, ReadSettings settings, OffloadMetrics metrics,
                                              String topic) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] bytes = store.get(indexKey);
                metrics.getRequests.increment();
                LedgerIndex index = LedgerIndex.decode(bytes, ledgerId);
                LedgerMetadata metadata = index.ledgerMetadata().length == 0 ? null
                        : new LedgerMetadataSerDe().parseConfig(index.ledgerMetadata(), ledgerId, Optional.empty());
                return new OffloadedReadHandle(index, metadata, store, dataKey, io, settings, metrics, topic);
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
        if (cache != null) {
            return readCached(first, last);
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

    /** Entries {@code first..last} from the cache's blocks, and read-ahead past them. */
    private CompletableFuture<LedgerEntries> readCached(long first, long last) {
        long start = index.offset(first);
        long end = index.rangeEnd(last);
        if (end == start) {
            // only empty entries: nothing to fetch
            return CompletableFuture.completedFuture(entries(first, last, new long[0], new byte[0][]));
        }
        long b0 = cache.blockOf(start);
        long b1 = cache.blockOf(end - 1);
        pendingReads.incrementAndGet();
        List<CompletableFuture<byte[]>> parts = new ArrayList<>((int) (b1 - b0 + 1));
        for (long b = b0; b <= b1; b++) {
            BlockCache.Lookup lookup = cache.get(b);
            (lookup.hit() ? metrics.cacheHits : metrics.cacheMisses).increment();
            parts.add(lookup.block());
        }
        for (long b : cache.aheadOf(b1)) {
            cache.prefetch(b);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            pendingReads.decrementAndGet();
            if (error == null) {
                long[] starts = new long[parts.size()];
                byte[][] blocks = new byte[parts.size()][];
                for (int i = 0; i < blocks.length; i++) {
                    starts[i] = cache.start(b0 + i);
                    blocks[i] = parts.get(i).join();
                }
                try {
                    return entries(first, last, starts, blocks);
                } catch (RuntimeException e) {
                    error = e;
                }
            }
            metrics.readErrors.increment();
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            log.warn("[{}] ledger {}: reading entries {}..{} from s3://{}/{} failed: {}", topic, ledgerId, first, last,
                    store.bucket(), dataKey, cause.getMessage());
            throw cause instanceof CompletionException ce ? ce : new CompletionException(cause);
        });
    }

    /**
     * Entries {@code first..last} out of consecutive blocks (block {@code i} starts at {@code starts[i]}): an entry
     * inside one block shares its array, one spanning blocks is copied together. Each is checked against its CRC32C.
     */
    private LedgerEntries entries(long first, long last, long[] starts, byte[][] blocks) {
        List<LedgerEntry> out = new ArrayList<>((int) (last - first + 1));
        int bi = 0;
        long bytes = 0;
        try {
            for (long e = first; e <= last; e++) {
                long off = index.offset(e);
                int len = index.length(e);
                while (bi + 1 < blocks.length && off >= starts[bi + 1]) {
                    bi++;
                }
                byte[] data;
                int at;
                if (len == 0 || off + len <= starts[bi] + blocks[bi].length) {
                    data = len == 0 ? new byte[0] : blocks[bi];
                    at = len == 0 ? 0 : (int) (off - starts[bi]);
                } else {
                    data = new byte[len];
                    int copied = 0;
                    int k = bi;
                    while (copied < len) {
                        int from = (int) (off + copied - starts[k]);
                        int n = Math.min(len - copied, blocks[k].length - from);
                        System.arraycopy(blocks[k], from, data, copied, n);
                        copied += n;
                        k++;
                    }
                    at = 0;
                }
                LedgerEntry entry = entry(e, data, at, len);
                out.add(entry);
                bytes += entry.getLength();
            }
        } catch (RuntimeException ex) {
            out.forEach(LedgerEntry::close);
            throw ex;
        }
        metrics.readBytes.add(bytes);
        metrics.readEntries.add(out.size());
        return LedgerEntriesImpl.create(out);
    }

    /**
     * Entry {@code e} from its stored bytes ({@code len} at {@code at} of {@code data}, shared, not copied):
     * decompressed when stored compressed, and checked against the CRC32C of the original entry.
     */
    private LedgerEntry entry(long e, byte[] data, int at, int len) {
        byte[] bytes = data;
        int from = at;
        int length = len;
        if (index.compressed(e)) {
            try {
                bytes = EntryCodec.decompress(data, at, len, index.rawLength(e));
            } catch (CorruptIndexException c) {
                throw new UncheckedIOException(new CorruptIndexException("entry " + e + " of ledger " + ledgerId
                        + " in s3://" + store.bucket() + "/" + dataKey + ": " + c.getMessage()));
            }
            from = 0;
            length = bytes.length;
        }
        if (LedgerIndex.crc32c(bytes, from, length) != index.checksum(e)) {
            throw new UncheckedIOException(new CorruptIndexException("entry " + e + " of ledger " + ledgerId
                    + " in s3://" + store.bucket() + "/" + dataKey + " fails its CRC32C"));
        }
        return LedgerEntryImpl.create(ledgerId, e, length, Unpooled.wrappedBuffer(bytes, from, length));
    }

    private byte[] fetchBlock(long block) {
        try {
            byte[] bytes = store.getRange(dataKey, cache.start(block), cache.end(block));
            metrics.getRequests.increment();
            metrics.getBytes.add(bytes.length);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        if (cache != null) {
            cache.close();
        }
        return CompletableFuture.completedFuture(null);
    }

    private List<LedgerEntry> fetch(TransferPlan.Chunk chunk) {
        byte[] bytes;
        try {
            bytes = store.getRange(dataKey, chunk.start(), chunk.end());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        metrics.getRequests.increment();
        metrics.getBytes.add(bytes.length);
        List<LedgerEntry> entries = new ArrayList<>((int) (chunk.last() - chunk.first() + 1));
        int off = 0;
        long read = 0;
        try {
            for (long e = chunk.first(); e <= chunk.last(); e++) {
                int len = index.length(e);
                LedgerEntry entry = entry(e, bytes, off, len);
                entries.add(entry);
                read += entry.getLength();
                off += len;
            }
        } catch (RuntimeException ex) {
            entries.forEach(LedgerEntry::close);
            throw ex;
        }
        metrics.readBytes.add(read);
        metrics.readEntries.add(entries.size());
        return entries;
    }

    @Override
    public long getLastAddConfirmed() {
        return index.lastEntryId();
    }

    @Override
    public long getLength() {
        return index.entryBytes();
    }

}
