package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.format.LedgerIndex;
import io.magnetar.offload.format.MemoryBudget;
import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.format.TransferPlan;
import io.magnetar.offload.s3.ObjectStore;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private static final int MIN_BUFFER = 64 * 1024;

    private final ObjectStore store;
    private final OffloadConfig config;
    private final MemoryBudget budget;
    private final Executor io;
    private final OffloadMetrics metrics;

    LedgerUploader(ObjectStore store, OffloadConfig config, MemoryBudget budget, Executor io, OffloadMetrics metrics) {
        this.store = store;
        this.config = config;
        this.budget = budget;
        this.io = io;
        this.metrics = metrics;
    }

    /** Blocking: run on an offload thread, never on a BookKeeper or broker I/O thread. */
    LedgerIndex upload(ReadHandle ledger, UUID uid, Map<String, String> extraMetadata, String topic) throws IOException {
        long ledgerId = ledger.getId();
        long last = ledger.getLastAddConfirmed();
        long length = ledger.getLength();
        String dataKey = ObjectNames.dataKey(config.prefix(), uid, ledgerId);
        String indexKey = ObjectNames.indexKey(config.prefix(), uid, ledgerId);
        LedgerIndex.Builder index = LedgerIndex.builder(ledgerId).userMetadata(extraMetadata);
        if (ledger.getLedgerMetadata() != null) {
            index.ledgerMetadata(new LedgerMetadataSerDe().serialize(ledger.getLedgerMetadata()));
        }
        Parts parts = new Parts(dataKey, TransferPlan.partSize(config.partSizeBytes(), length), length);
        ArrayDeque<CompletableFuture<LedgerEntries>> reads = new ArrayDeque<>();
        try {
            int batch = TransferPlan.entriesPerRead(length, last + 1, READ_TARGET_BYTES);
            long next = 0;
            CRC32C crc = new CRC32C();
            while (next <= last || !reads.isEmpty()) {
                while (reads.size() < READS_IN_FLIGHT && next <= last) {
                    long end = Math.min(last, next + batch - 1);
                    reads.add(ledger.readAsync(next, end));
                    next = end + 1;
                }
                try (LedgerEntries entries = await(reads.poll(), READ_TIMEOUT_SECONDS)) {
                    for (LedgerEntry entry : entries) {
                        ByteBuf buf = entry.getEntryBuffer();
                        int len = buf.readableBytes();
                        crc.reset();
                        parts.write(buf, crc);
                        index.add(entry.getEntryId(), len, (int) crc.getValue());
                    }
                }
            }
            if (index.entryCount() != last + 1) {
                throw new IOException("ledger " + ledgerId + ": read " + index.entryCount() + " entries, expected "
                        + (last + 1));
            }
            parts.finish();
            LedgerIndex built = index.build();
            byte[] encoded = built.encode();
            store.put(indexKey, encoded, encoded.length);
            metrics.uploadedParts.increment();
            metrics.offloadedBytes.add(built.dataLength());
            metrics.offloadedLedgers.increment();
            log.info("[{}] ledger {} offloaded to s3://{}/{}: {} entries, {} bytes, {} part(s)", topic, ledgerId,
                    store.bucket(), dataKey, built.entryCount(), built.dataLength(), Math.max(1, parts.partNumber));
            return built;
        } catch (IOException | RuntimeException e) {
            parts.abort();
            for (CompletableFuture<LedgerEntries> pending : reads) {
                pending.thenAccept(LedgerEntries::close);
            }
            throw e;
        }
    }

    private static <T> T await(CompletableFuture<T> future, long seconds) throws IOException {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + seconds + " s", e);
        }
    }

    /** The data object being written: the part buffer being filled and the parts in flight. */
    private final class Parts {
        private final String key;
        private final int partSize;
        private final long expectedBytes;
        private final Semaphore inFlight = new Semaphore(config.uploadConcurrency());
        private final List<CompletableFuture<String>> etags = new ArrayList<>();
        private volatile Throwable failure;
        private String uploadId;
        private int partNumber;
        private byte[] current;
        private int reserved;
        private int filled;
        private long written;

        Parts(String key, int partSize, long expectedBytes) {
            this.key = key;
            this.partSize = partSize;
            this.expectedBytes = expectedBytes;
        }

        void write(ByteBuf buf, CRC32C crc) throws IOException {
            int index = buf.readerIndex();
            int remaining = buf.readableBytes();
            while (remaining > 0) {
                ensureRoom();
                int n = Math.min(remaining, current.length - filled);
                buf.getBytes(index, current, filled, n);
                crc.update(current, filled, n);
                filled += n;
                written += n;
                index += n;
                remaining -= n;
                if (filled == partSize) {
                    flush();
                }
            }
        }

        /** A buffer with room: a new one sized to what the ledger still holds (at most a part), or a grown one. */
        private void ensureRoom() throws IOException {
            if (current == null) {
                long left = Math.max(MIN_BUFFER, expectedBytes - written);
                int size = (int) Math.min(partSize, left);
                reserve(size);
                current = new byte[size];
                reserved = size;
                filled = 0;
            } else if (filled == current.length) {
                int size = (int) Math.min(partSize, (long) current.length * 2);
                reserve(size - reserved);
                current = Arrays.copyOf(current, size);
                reserved = size;
            }
        }

        private void reserve(long bytes) throws IOException {
            try {
                while (!budget.acquire(bytes, 1, TimeUnit.SECONDS)) {
                    checkFailure();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for upload memory");
            }
            try {
                checkFailure();
            } catch (IOException e) {
                budget.release(bytes);
                throw e;
            }
        }

        private void checkFailure() throws IOException {
            Throwable t = failure;
            if (t != null) {
                Throwable cause = t instanceof UncheckedIOException u ? u.getCause() : t;
                throw new IOException("upload of " + key + " failed: " + cause.getMessage(), cause);
            }
        }

        private void flush() throws IOException {
            checkFailure();
            if (uploadId == null) {
                uploadId = store.createMultipartUpload(key);
            }
            try {
                while (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
                    checkFailure();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for a part upload");
            }
            byte[] data = current;
            int length = filled;
            int held = reserved;
            int number = ++partNumber;
            String id = uploadId;
            current = null;
            reserved = 0;
            filled = 0;
            CompletableFuture<String> etag;
            try {
                etag = CompletableFuture.supplyAsync(() -> {
                    try {
                        return store.uploadPart(key, id, number, data, length);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, io);
            } catch (RuntimeException rejected) {
                budget.release(held);
                inFlight.release();
                throw rejected;
            }
            // Waiting on the returned stage (not on etag) guarantees the release ran before the wait ends.
            etags.add(etag.whenComplete((tag, error) -> {
                budget.release(held);
                inFlight.release();
                if (error != null) {
                    failure = error;
                } else {
                    metrics.uploadedParts.increment();
                }
            }));
        }

        void finish() throws IOException {
            if (uploadId == null) {
                // Fits one part: a single PUT, no multipart upload to clean up.
                byte[] data = current == null ? new byte[0] : current;
                try {
                    store.put(key, data, filled);
                    metrics.uploadedParts.increment();
                } finally {
                    releaseCurrent();
                }
                return;
            }
            if (filled > 0) {
                flush();
            } else {
                releaseCurrent();
            }
            List<String> tags = new ArrayList<>(etags.size());
            for (CompletableFuture<String> f : etags) {
                tags.add(await(f, 600));
            }
            store.completeMultipartUpload(key, uploadId, tags);
        }

        private void releaseCurrent() {
            if (current != null) {
                budget.release(reserved);
                current = null;
                reserved = 0;
                filled = 0;
            }
        }

        void abort() {
            releaseCurrent();
            for (CompletableFuture<String> f : etags) {
                try {
                    f.get(600, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException | TimeoutException ignored) {
                    // the part failed or hangs: aborting the upload discards it either way
                }
            }
            if (uploadId != null) {
                try {
                    store.abortMultipartUpload(key, uploadId);
                } catch (IOException e) {
                    log.warn("could not abort multipart upload of s3://{}/{}: {}", store.bucket(), key, e.getMessage());
                }
            }
        }
    }
}
