package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.format.EntryCodec;
import io.magnetar.offload.format.LedgerIndex;
import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.plan.TransferPlan;
import io.magnetar.offload.store.BlockPool;
import io.magnetar.offload.store.ObjectStore;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.meta.LedgerMetadataSerDe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one closed ledger to the object store: BookKeeper reads stay a few batches ahead of the copy, full parts
 * upload in parallel (at most {@link OffloadConfig#uploadConcurrency()} per ledger), and every part buffer is
 * reserved from the broker-wide {@link MemoryBudget} first, so memory stays bounded however many ledgers offload
 * at once. The index object is written last: a ledger without its index was never offloaded.
 */
final class LedgerUploader {
    private static final Logger log = LoggerFactory.getLogger(LedgerUploader.class);
    private static final int READS_IN_FLIGHT = 3;
    private static final long READ_TARGET_BYTES = 4L * 1024 * 1024;
    private static final long READ_TIMEOUT_SECONDS = 120;

    private final ObjectStore store;
    private final OffloadConfig config;
    private final MemoryBudget budget;
    private final BlockPool streamBlocks;
    private final Executor io;
    private final OffloadMetrics metrics;

    LedgerUploader(ObjectStore store, OffloadConfig config, MemoryBudget budget, BlockPool streamBlocks, Executor io,
                   OffloadMetrics metrics) {
        this.store = store;
        this.config = config;
        this.budget = budget;
        this.streamBlocks = streamBlocks;
        this.io = io;
        this.metrics = metrics;
    }

    /** Blocking: run on an offload thread, never on a BookKeeper or broker I/O thread. */
    LedgerIndex upload(ReadHandle ledger, UUID uid, Map<String, String> extraMetadata, String topic) throws IOException {
        try {
            return upload(ledger, uid, extraMetadata, topic, true);
        } catch (StreamFailedException e) {
            // A streamed body cannot be resent once partly sent, so the SDK could not retry it: read the ledger
            // again and upload it from buffers, which the SDK retries itself.
            metrics.retriedUploads.increment();
            log.warn("[{}] streamed upload of ledger {} failed ({}); uploading it again from buffers", topic,
                    ledger.getId(), e.getCause().getMessage());
            return upload(ledger, uid, extraMetadata, topic, false);
        }
    }

    /** The streamed PUT of a data object failed. */
    private static final class StreamFailedException extends IOException {
        StreamFailedException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private LedgerIndex upload(ReadHandle ledger, UUID uid, Map<String, String> extraMetadata, String topic,
                               boolean mayStream) throws IOException {
        long ledgerId = ledger.getId();
        long last = ledger.getLastAddConfirmed();
        long length = ledger.getLength();
        String dataKey = ObjectNames.dataKey(config.prefix(), uid, ledgerId);
        String indexKey = ObjectNames.indexKey(config.prefix(), uid, ledgerId);
        LedgerIndex.Builder index = LedgerIndex.builder(ledgerId).userMetadata(extraMetadata);
        if (ledger.getLedgerMetadata() != null) {
            index.ledgerMetadata(new LedgerMetadataSerDe().serialize(ledger.getLedgerMetadata()));
        }
        long started = System.nanoTime();
        // Both kinds of data object start their first request now, while the first BookKeeper reads run.
        // Compressed, the object's size is known only at the end: no streamed PUT (it declares its length first),
        // a small ledger is buffered as one part and PUT whole when it fits one.
        EntryCodec codec = EntryCodec.of(config.compression());
        boolean compress = codec.kind() != EntryCodec.Kind.NONE;
        boolean single = TransferPlan.singleObject(length, config.singlePutMaxBytes());
        DataObject data = single && !compress && mayStream
                ? new StreamedDataObject(store, budget, streamBlocks, io, metrics, dataKey, length)
                : new MultipartDataObject(store, budget, io, metrics, dataKey,
                        TransferPlan.partSize(config.partSizeBytes(), length), length, config.uploadConcurrency(),
                        !single);
        byte[] raw = new byte[0];
        ArrayDeque<CompletableFuture<LedgerEntries>> reads = new ArrayDeque<>();
        CompletableFuture<Void> indexPut = null;
        try {
            int batch = TransferPlan.entriesPerRead(length, last + 1, READ_TARGET_BYTES);
            long next = 0;
            while (next <= last || !reads.isEmpty()) {
                while (reads.size() < READS_IN_FLIGHT && next <= last) {
                    long end = Math.min(last, next + batch - 1);
                    reads.add(ledger.readAsync(next, end));
                    next = end + 1;
                }
                try (LedgerEntries entries = DataObject.await(reads.poll(), READ_TIMEOUT_SECONDS)) {
                    for (LedgerEntry entry : entries) {
                        ByteBuf buf = entry.getEntryBuffer();
                        int len = buf.readableBytes();
                        int crc = crc32c(buf);
                        int packed = -1;
                        if (compress) {
                            if (raw.length < len) {
                                raw = new byte[Math.max(len, raw.length * 2)];
                            }
                            buf.getBytes(buf.readerIndex(), raw, 0, len);
                            packed = codec.compress(raw, 0, len);
                        }
                        if (packed >= 0) {
                            index.add(entry.getEntryId(), packed, crc, len);
                            data.write(codec.output(), packed);
                        } else {
                            index.add(entry.getEntryId(), len, crc);
                            data.write(buf);
                        }
                    }
                }
            }
            if (index.entryCount() != last + 1) {
                throw new IOException("ledger " + ledgerId + ": read " + index.entryCount() + " entries, expected "
                        + (last + 1));
            }
            data.endOfData();
            LedgerIndex built = index.build();
            byte[] encoded = built.encode();
            // The ledger counts as offloaded only once Pulsar records it, after this method returns: the index may
            // go up beside the data's last request (a failure below deletes it again).
            indexPut = CompletableFuture.runAsync(() -> {
                try {
                    store.put(indexKey, encoded, encoded.length);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, io);
            data.complete();
            DataObject.await(indexPut, 600);
            metrics.uploadedParts.increment();
            metrics.offloadedBytes.add(built.entryBytes());
            metrics.storedBytes.add(built.dataLength());
            metrics.offloadedLedgers.increment();
            metrics.offloadMillis.add((System.nanoTime() - started) / 1_000_000);
            log.info("[{}] ledger {} offloaded to s3://{}/{}: {} entries, {} bytes, {} in {} ms", topic, ledgerId,
                    store.bucket(), dataKey, built.entryCount(), built.dataLength(), data.describe(),
                    (System.nanoTime() - started) / 1_000_000);
            return built;
        } catch (IOException | RuntimeException e) {
            boolean streamBroke = data instanceof StreamedDataObject streamed && streamed.putFailed();
            data.abort();
            for (CompletableFuture<LedgerEntries> pending : reads) {
                pending.thenAccept(LedgerEntries::close);
            }
            if (indexPut != null) {
                try {
                    DataObject.await(indexPut, 600);
                } catch (IOException ignored) {
                    // not written: nothing to delete
                }
                try {
                    store.delete(List.of(indexKey));
                } catch (IOException d) {
                    log.warn("[{}] could not delete s3://{}/{} of a failed offload: {}", topic, store.bucket(),
                            indexKey, d.getMessage());
                }
            }
            if (streamBroke) {
                throw new StreamFailedException(e instanceof IOException io ? io : new IOException(e.toString(), e));
            }
            throw e;
        }
    }

    /** CRC32C of the buffer's readable bytes, from its NIO views (no copy). */
    static int crc32c(ByteBuf buf) {
        CRC32C crc = new CRC32C();
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer());
        } else {
            for (java.nio.ByteBuffer b : buf.nioBuffers()) {
                crc.update(b);
            }
        }
        return (int) crc.getValue();
    }
}
