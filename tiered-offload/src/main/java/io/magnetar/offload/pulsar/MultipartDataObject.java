package io.magnetar.offload.pulsar;

import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.store.ObjectStore;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A larger ledger: a multipart upload created at once (its round trip overlaps the first reads), full parts
 * uploading in parallel as they fill, then CompleteMultipartUpload.
 */
final class MultipartDataObject implements DataObject {
    private static final Logger log = LoggerFactory.getLogger(MultipartDataObject.class);
    private final ObjectStore store;
    private final MemoryBudget budget;
    private final Executor io;
    private final OffloadMetrics metrics;
    private final String key;
    private final int partSize;
    private final long expectedBytes;
    private final Semaphore inFlight;
    private final List<CompletableFuture<String>> etags = new ArrayList<>();
    private volatile Throwable failure;
    private CompletableFuture<String> uploadId;
    private int partNumber;
    private byte[] current;
    private int reserved;
    private int filled;
    private long written;

    /**
     * @param uploadConcurrency parts uploading at once
     * @param createNow start the multipart upload at once; otherwise only when a first part is full, and a
     *                  ledger that fits one part is a single PUT
     */
    MultipartDataObject(ObjectStore store, MemoryBudget budget, Executor io, OffloadMetrics metrics, String key,
                        int partSize, long expectedBytes, int uploadConcurrency, boolean createNow) {
        this.store = store;
        this.budget = budget;
        this.io = io;
        this.metrics = metrics;
        this.inFlight = new Semaphore(uploadConcurrency);
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
        DataObject.reserve(budget, bytes, this::checkFailure);
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
            tags.add(DataObject.await(f, 600));
        }
        store.completeMultipartUpload(key, DataObject.await(uploadId, 600), tags);
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
            id = DataObject.await(uploadId, 600);
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
