package io.magnetar.offload.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A bounded in-memory pipe from one producer (the offload thread copying BookKeeper entries) to one consumer (the
 * HTTP client sending a request body), so an object uploads while its bytes are still being read. The producer
 * blocks while {@code capacity} bytes wait unsent; either side can fail the pipe, and the other side then gets an
 * {@link IOException} instead of blocking for ever.
 */
public final class BytePipe {
    private final int blockSize;
    private final long capacity;
    private final ArrayDeque<byte[]> full = new ArrayDeque<>();
    private final ArrayDeque<Integer> fullLengths = new ArrayDeque<>();
    // consumed blocks, reused: a pipe allocates at most capacity / blockSize + 2 blocks whatever it carries
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private final BlockPool pool; // null: blocks allocated here
    private byte[] filling;
    private int filled;
    private long queued;
    private long written;
    private boolean closed;
    private Throwable failure;
    private int generation; // streams opened so far; only the latest may read
    private boolean waitingForRoom;
    private boolean read;   // a stream returned bytes: the body cannot be resent

    /**
     * @param blockSize bytes per block handed to the consumer
     * @param capacity  bytes the producer may get ahead of the consumer (at least one block)
     */
    public BytePipe(int blockSize, long capacity) {
        this(blockSize, capacity, null);
    }

    /** @param pool where new blocks come from and, after {@link #recycle()}, go back to (its block size is used) */
    public BytePipe(long capacity, BlockPool pool) {
        this(pool.blockSize(), capacity, pool);
    }

    private BytePipe(int blockSize, long capacity, BlockPool pool) {
        if (blockSize <= 0 || capacity < blockSize) {
            throw new IllegalArgumentException("block size " + blockSize + ", capacity " + capacity);
        }
        this.blockSize = blockSize;
        this.capacity = capacity;
        this.pool = pool;
    }

    /**
     * Hands the pipe's blocks back to its pool. Only once the consumer is done with the pipe for good (its request
     * completed): a block still being read must not be written by another pipe. The pipe is unusable afterwards.
     */
    public synchronized void recycle() {
        if (pool != null) {
            free.forEach(pool::give);
            full.forEach(pool::give);
        }
        free.clear();
        full.clear();
        fullLengths.clear();
        if (failure == null) {
            failure = new IOException("pipe recycled");
        }
        notifyAll();
    }

    /** Copies {@code len} bytes from {@code src}; blocks while the pipe is full. */
    public void write(byte[] src, int off, int len) throws IOException {
        while (len > 0) {
            if (filling == null) {
                filling = awaitRoom();
                filled = 0;
            }
            int n = Math.min(len, blockSize - filled);
            System.arraycopy(src, off, filling, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == blockSize) {
                hand(filling, filled);
                filling = null;
            }
        }
    }

    /** The block being filled (room {@link #room()} bytes from {@link #position()}), for a caller copying in place. */
    public byte[] block() throws IOException {
        if (filling == null) {
            filling = awaitRoom();
            filled = 0;
        }
        return filling;
    }

    public int position() {
        return filled;
    }

    public int room() {
        return filling == null ? blockSize : blockSize - filled;
    }

    /** After copying {@code n} bytes into {@link #block()} at {@link #position()}. */
    public void advance(int n) throws IOException {
        if (filling == null || n < 0 || n > blockSize - filled) {
            throw new IllegalStateException("advance " + n + " with " + room() + " bytes of room");
        }
        filled += n;
        if (filled == blockSize) {
            hand(filling, filled);
            filling = null;
        }
    }

    /** Waits for room, then returns an empty block. */
    private synchronized byte[] awaitRoom() throws IOException {
        if (queued + blockSize > capacity) {
            // full: wait until half of it is sent, so the two sides wake each other rarely (a wake-up costs a
            // scheduling delay on a busy machine)
            waitingForRoom = true;
        }
        while (waitingForRoom && failure == null) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new InterruptedIOException("interrupted writing to the pipe");
                notifyAll();
            }
        }
        waitingForRoom = false;
        check();
        if (closed) {
            throw new IllegalStateException("pipe closed");
        }
        byte[] reused = free.poll();
        return reused != null ? reused : pool != null ? pool.take() : new byte[blockSize];
    }

    private synchronized void hand(byte[] block, int length) throws IOException {
        check();
        full.add(block);
        fullLengths.add(length);
        queued += length;
        written += length;
        notifyAll();
    }

    /** End of data: the consumer reads what is queued, then end of stream. */
    public void close() throws IOException {
        if (filling != null && filled > 0) {
            hand(filling, filled);
        }
        filling = null;
        synchronized (this) {
            check();
            closed = true;
            notifyAll();
        }
    }

    /** Fails the pipe for both sides; the first failure wins. */
    public synchronized void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        waitingForRoom = false;
        full.clear();
        fullLengths.clear();
        queued = 0;
        notifyAll();
    }

    /** Bytes handed to the consumer so far (excluding the block being filled). */
    public synchronized long written() {
        return written;
    }

    private void check() throws IOException {
        if (failure != null) {
            throw failure instanceof IOException io ? new IOException(io.getMessage(), io)
                    : new IOException(String.valueOf(failure), failure);
        }
    }

    /**
     * The consumer's side. A request that failed before reading a byte (a pooled connection the server had closed)
     * may open it again; once bytes were read the body cannot be resent and a second call fails.
     */
    public synchronized InputStream stream() {
        if (read) {
            throw new IllegalStateException("the pipe's stream was already read from: a streamed body cannot be"
                    + " resent");
        }
        int mine = ++generation;
        return new InputStream() {
            private byte[] block;
            private int length;
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] dst, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (block == null || pos == length) {
                    if (!next()) {
                        return -1;
                    }
                }
                int n = Math.min(len, length - pos);
                System.arraycopy(block, pos, dst, off, n);
                pos += n;
                return n;
            }

            private boolean next() throws IOException {
                synchronized (BytePipe.this) {
                    if (mine != generation) {
                        throw new IOException("a newer stream of this pipe replaced this one");
                    }
                    if (block != null) {
                        queued -= length;
                        free.add(block);
                        block = null;
                        if (waitingForRoom && queued <= capacity / 2) {
                            waitingForRoom = false;
                            BytePipe.this.notifyAll();
                        }
                    }
                    while (full.isEmpty() && !closed && failure == null) {
                        try {
                            BytePipe.this.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted reading the pipe");
                        }
                    }
                    check();
                    if (full.isEmpty()) {
                        return false;
                    }
                    block = full.poll();
                    length = fullLengths.poll();
                    pos = 0;
                    read = true;
                    return true;
                }
            }

            @Override
            public int available() {
                return block == null ? 0 : length - pos;
            }
        };
    }
}
