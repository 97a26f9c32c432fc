package io.magnetar.offload.pulsar;

import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.store.BlockPool;
import io.magnetar.offload.store.BytePipe;
import io.magnetar.offload.store.ObjectStore;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A ledger up to {@code SinglePutMaxBytes}: one PUT whose body streams through a small {@link BytePipe} while
 * BookKeeper reads continue, started before the first entry arrives. No multipart requests, nothing to clean up
 * when it fails (S3 stores a PUT completely or not at all).
 */
final class StreamedDataObject implements DataObject {
    // blocks are reused, so their size (a humongous G1 allocation) is paid once per ledger
    private static final int BLOCK = 1024 * 1024;
    private static final int BLOCKS = 8;
    private final ObjectStore store;
    private final MemoryBudget budget;
    private final OffloadMetrics metrics;
    private final String key;
    private final long expected;
    private final BytePipe pipe;
    private final long reserved;
    private final CompletableFuture<Void> put;
    private long written;
    private boolean released;

    /**
     * The broker-wide pool of idle blocks of finished pipes for the next ledger, at most two pipes' worth (16 MiB)
     * beside the budget's reservations; the offloader factory owns it.
     */
    static BlockPool newBlockPool() {
        return new BlockPool(BLOCK, 2 * BLOCKS);
    }

    /** Reserves the pipe from {@code budget} and starts the PUT on {@code io}. */
    StreamedDataObject(ObjectStore store, MemoryBudget budget, BlockPool pool, Executor io, OffloadMetrics metrics,
                       String key, long expected) throws IOException {
        this.store = store;
        this.budget = budget;
        this.metrics = metrics;
        this.key = key;
        this.expected = expected;
        int block = (int) Math.max(MIN_BUFFER, Math.min(BLOCK, expected));
        this.reserved = Math.min((long) block * BLOCKS, Math.max(block, expected));
        DataObject.reserve(budget, reserved, () -> { });
        this.pipe = block == pool.blockSize() ? new BytePipe(reserved, pool) : new BytePipe(block, reserved);
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
            DataObject.await(put, 600);
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
            DataObject.await(put, 600);
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
