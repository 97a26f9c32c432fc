package io.magnetar.offload.pulsar;

import io.magnetar.offload.plan.MemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data object of the ledger {@link LedgerUploader} is copying, written entry by entry: one streamed PUT
 * ({@link StreamedDataObject}) or a multipart upload ({@link MultipartDataObject}).
 */
interface DataObject {
    /** The smallest buffer or pipe block a data object uses. */
    int MIN_BUFFER = 64 * 1024;

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

    interface Check {
        void run() throws IOException;
    }

    /** Reserves from the budget, re-checking {@code failed} every second while waiting. */
    static void reserve(MemoryBudget budget, long bytes, Check failed) throws IOException {
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

    static <T> T await(CompletableFuture<T> future, long seconds) throws IOException {
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
}
