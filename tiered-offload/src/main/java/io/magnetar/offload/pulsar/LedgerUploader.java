package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.format.EntryCodec;
import io.magnetar.offload.format.LedgerIndex;
import io.magnetar.offload.format.MemoryBudget;
import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.format.TransferPlan;
import io.magnetar.offload.s3.BlockPool;
import io.magnetar.offload.s3.BytePipe;
import io.magnetar.offload.s3.ObjectStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
import java.util.concurrent.CompletionException;
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
        DataObject data = single && !compress && mayStream ? new Streamed(dataKey, length)
                : new Parts(dataKey, TransferPlan.partSize(config.partSizeBytes(), length), length, !single);
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
                try (LedgerEntries entries = await(reads.poll(), READ_TIMEOUT_SECONDS)) {
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
            await(indexPut, 600);
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
            boolean streamBroke = data instanceof Streamed streamed && streamed.putFailed();
            data.abort();
            for (CompletableFuture<LedgerEntries> pending : reads) {
                pending.thenAccept(LedgerEntries::close);
            }
            if (indexPut != null) {
                try {
                    await(indexPut, 600);
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

    /** The ledger's data object being written. */
    private interface DataObject {
        /** Copies the buffer's readable bytes (the buffer stays the caller's). */
        void write(ByteBuf buf) throws IOException;

        /** Copies {@code len} bytes of {@code src} from 0. */
        default void write(byte[] src, int len) throws IOException {
            ByteBuf view = Unpooled.wrappedBuffer(src, 0, len);
            try {
                write(view);
            } finally {
                view.release();
            }
        }

        /** Every entry was written. */
        void endOfData() throws IOException;

        /** Waits until the object exists in the store. */
        void complete() throws IOException;

        /** Gives up: nothing of the object remains (best effort); buffers return to the budget. */
        void abort();

        String describe();
    }

    /**
     * A ledger up to {@code SinglePutMaxBytes}: one PUT whose body streams through a small {@link BytePipe} while
     * BookKeeper reads continue, started before the first entry arrives. No multipart requests, nothing to clean up
     * when it fails (S3 stores a PUT completely or not at all).
     */
    private final class Streamed implements DataObject {
        // blocks are reused, so their size (a humongous G1 allocation) is paid once per ledger
        private static final int BLOCK = 1024 * 1024;
        private static final int BLOCKS = 8;
        // broker-wide (one NAR class loader): idle blocks of finished pipes for the next ledger, at most two pipes'
        // worth (16 MiB) beside the budget's reservations
        private static final BlockPool POOL = new BlockPool(BLOCK, 2 * BLOCKS);
        private final String key;
        private final long expected;
        private final BytePipe pipe;
        private final long reserved;
        private final CompletableFuture<Void> put;
        private long written;
        private boolean released;

        Streamed(String key, long expected) throws IOException {
            this.key = key;
            this.expected = expected;
            int block = (int) Math.max(MIN_BUFFER, Math.min(BLOCK, expected));
            this.reserved = Math.min((long) block * BLOCKS, Math.max(block, expected));
            reserve(budget, reserved, () -> { });
            this.pipe = block == POOL.blockSize() ? new BytePipe(reserved, POOL) : new BytePipe(block, reserved);
            CompletableFuture<Void> p;
            try {
                p = CompletableFuture.runAsync(() -> {
                    try {
                        if (expected == 0) {
                            store.put(key, new byte[0], 0);
                        } else {
                            store.putStream(key, pipe, expected);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, io);
            } catch (RuntimeException rejected) {
                release();
                throw rejected;
            }
            // a failed request must not leave the producer blocked on a full pipe
            this.put = p.whenComplete((v, error) -> {
                if (error != null) {
                    pipe.fail(error instanceof CompletionException && error.getCause() != null ? error.getCause()
                            : error);
                }
            });
        }

        @Override
        public void write(ByteBuf buf) throws IOException {
            int len = buf.readableBytes();
            if (written + len > expected) {
                throw new IOException("ledger holds more than its recorded length of " + expected + " bytes");
            }
            int index = buf.readerIndex();
            int remaining = len;
            while (remaining > 0) {
                byte[] block = pipe.block();
                int n = Math.min(remaining, pipe.room());
                buf.getBytes(index, block, pipe.position(), n);
                pipe.advance(n);
                index += n;
                remaining -= n;
            }
            written += len;
        }

        @Override
        public void endOfData() throws IOException {
            if (written != expected) {
                throw new IOException("ledger holds " + written + " bytes, its recorded length is " + expected);
            }
            pipe.close();
        }

        @Override
        public void complete() throws IOException {
            try {
                await(put, 600);
                metrics.uploadedParts.increment();
                pipe.recycle(); // the request is over: nobody reads the blocks any more
            } finally {
                release();
            }
        }

        /** Whether the PUT itself failed (not the BookKeeper side). */
        boolean putFailed() {
            return put.isCompletedExceptionally();
        }

        @Override
        public void abort() {
            pipe.fail(new IOException("offload of " + key + " abandoned"));
            try {
                await(put, 600);
            } catch (IOException expectedFailure) {
                // the PUT fails once its body fails: S3 keeps nothing of it
            } finally {
                release();
            }
        }

        private void release() {
            if (!released) {
                released = true;
                budget.release(reserved);
            }
        }

        @Override
        public String describe() {
            return "one streamed PUT";
        }
    }

    private interface Check {
        void run() throws IOException;
    }

    /** Reserves from the budget, re-checking {@code failed} every second while waiting. */
    private static void reserve(MemoryBudget budget, long bytes, Check failed) throws IOException {
        try {
            while (!budget.acquire(bytes, 1, TimeUnit.SECONDS)) {
                failed.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for upload memory");
        }
        try {
            failed.run();
        } catch (IOException e) {
            budget.release(bytes);
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

    /**
     * A larger ledger: a multipart upload created at once (its round trip overlaps the first reads), full parts
     * uploading in parallel as they fill, then CompleteMultipartUpload.
     */
    private final class Parts implements DataObject {
        private final String key;
        private final int partSize;
        private final long expectedBytes;
        private final Semaphore inFlight = new Semaphore(config.uploadConcurrency());
        private final List<CompletableFuture<String>> etags = new ArrayList<>();
        private volatile Throwable failure;
        private CompletableFuture<String> uploadId;
        private int partNumber;
        private byte[] current;
        private int reserved;
        private int filled;
        private long written;

        /**
         * @param createNow start the multipart upload at once; otherwise only when a first part is full, and a
         *                  ledger that fits one part is a single PUT
         */
        Parts(String key, int partSize, long expectedBytes, boolean createNow) {
            this.key = key;
            this.partSize = partSize;
            this.expectedBytes = expectedBytes;
            if (createNow) {
                create();
            }
        }

        private void create() {
            uploadId = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.createMultipartUpload(key);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, io);
            uploadId.whenComplete((id, error) -> {
                if (error != null) {
                    failure = error;
                }
            });
        }

        @Override
        public void write(ByteBuf buf) throws IOException {
            int index = buf.readerIndex();
            int remaining = buf.readableBytes();
            while (remaining > 0) {
                ensureRoom();
                int n = Math.min(remaining, current.length - filled);
                buf.getBytes(index, current, filled, n);
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
            LedgerUploader.reserve(budget, bytes, this::checkFailure);
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
                create();
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
            current = null;
            reserved = 0;
            filled = 0;
            CompletableFuture<String> etag;
            try {
                etag = uploadId.thenApplyAsync(id -> {
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

        @Override
        public void endOfData() throws IOException {
            if (uploadId == null) {
                return; // fits one part: complete() PUTs it whole
            }
            if (filled > 0 || partNumber == 0) {
                // the last part (S3 allows it below 5 MiB), or an empty first one
                if (current == null) {
                    ensureRoom();
                }
                flush();
            } else {
                releaseCurrent();
            }
        }

        @Override
        public void complete() throws IOException {
            if (uploadId == null) {
                try {
                    store.put(key, current == null ? new byte[0] : current, filled);
                    metrics.uploadedParts.increment();
                } finally {
                    releaseCurrent();
                }
                return;
            }
            List<String> tags = new ArrayList<>(etags.size());
            for (CompletableFuture<String> f : etags) {
                tags.add(await(f, 600));
            }
            store.completeMultipartUpload(key, await(uploadId, 600), tags);
        }

        @Override
        public String describe() {
            return uploadId == null ? "one PUT" : partNumber + " part(s) of " + partSize + " bytes";
        }

        private void releaseCurrent() {
            if (current != null) {
                budget.release(reserved);
                current = null;
                reserved = 0;
                filled = 0;
            }
        }

        @Override
        public void abort() {
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
            if (uploadId == null) {
                return; // nothing was sent
            }
            String id;
            try {
                id = await(uploadId, 600);
            } catch (IOException e) {
                return; // never created
            }
            try {
                store.abortMultipartUpload(key, id);
                metrics.abortedUploads.increment();
            } catch (IOException e) {
                log.warn("could not abort multipart upload of s3://{}/{} (left for the orphan sweep): {}",
                        store.bucket(), key, e.getMessage());
            }
        }
    }
}
