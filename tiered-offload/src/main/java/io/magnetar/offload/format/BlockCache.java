package io.magnetar.offload.format;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The blocks of one offloaded data object that its readers share: fixed-size byte ranges ({@code blockSize}, the
 * last one shorter), each fetched at most once while it stays cached, in flight or done. Bounded twice: by
 * {@code capacityBytes} for this object (least recently used done blocks leave first) and by a broker-wide
 * {@link MemoryBudget} every cached block reserves from. When neither has room the block is fetched for the one
 * read and not kept, so memory never exceeds the bounds; a read never waits for cache room.
 *
 * <p>Read-ahead: {@link #aheadOf(long)} names the blocks after a read's last block, up to {@code aheadBytes},
 * that are not cached yet; the caller starts them with {@link #prefetch(long)}.
 */
public final class BlockCache {
    private final long objectLength;
    private final int blockSize;
    private final long capacityBytes;
    private final int aheadBlocks;
    private final MemoryBudget budget;
    private final LongFunction<CompletableFuture<byte[]>> fetcher;
    // access order: the eldest is the least recently used
    private final LinkedHashMap<Long, CompletableFuture<byte[]>> blocks = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;
    private boolean closed;
    private long hits;
    private long misses;

    /** A lookup's outcome: the block's bytes to come, and whether another read or a read-ahead had fetched it. */
    public record Lookup(CompletableFuture<byte[]> block, boolean hit) {
    }

    /**
     * @param fetcher fetches block {@code b}: bytes {@code [start(b), end(b))} of the object
     */
    public BlockCache(long objectLength, int blockSize, long capacityBytes, long aheadBytes, MemoryBudget budget,
                      LongFunction<CompletableFuture<byte[]>> fetcher) {
        if (blockSize <= 0 || objectLength < 0 || capacityBytes < 0 || aheadBytes < 0) {
            throw new IllegalArgumentException("object " + objectLength + ", block " + blockSize + ", capacity "
                    + capacityBytes + ", ahead " + aheadBytes);
        }
        this.objectLength = objectLength;
        this.blockSize = blockSize;
        this.capacityBytes = capacityBytes;
        this.aheadBlocks = (int) Math.min(Integer.MAX_VALUE, (aheadBytes + blockSize - 1) / blockSize);
        this.budget = budget;
        this.fetcher = fetcher;
    }

    public long blockCount() {
        return (objectLength + blockSize - 1) / blockSize;
    }

    /** The block holding byte {@code offset} of the object. */
    public long blockOf(long offset) {
        if (offset < 0 || offset >= objectLength) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside 0.." + objectLength);
        }
        return offset / blockSize;
    }

    public long start(long block) {
        return block * blockSize;
    }

    public long end(long block) {
        return Math.min(objectLength, (block + 1) * blockSize);
    }

    private int length(long block) {
        return (int) (end(block) - start(block));
    }

    /** Block {@code b} for a read: the cached or in-flight one, else a fetch (kept when there is room). */
    public Lookup get(long block) {
        checkBlock(block);
        CompletableFuture<byte[]> cached;
        synchronized (this) {
            cached = blocks.get(block);
            if (cached != null) {
                hits++;
                return new Lookup(cached, true);
            }
            misses++;
        }
        return new Lookup(load(block, true), false);
    }

    /** Starts fetching block {@code b} into the cache, unless it is there or there is no room. */
    public void prefetch(long block) {
        checkBlock(block);
        synchronized (this) {
            if (blocks.containsKey(block)) {
                return;
            }
        }
        load(block, false);
    }

    /** The blocks after {@code lastBlockRead}, within the read-ahead distance and the object, not cached yet. */
    public synchronized List<Long> aheadOf(long lastBlockRead) {
        List<Long> ahead = new ArrayList<>();
        if (capacityBytes == 0) {
            return ahead;
        }
        long last = Math.min(blockCount() - 1, lastBlockRead + aheadBlocks);
        for (long b = lastBlockRead + 1; b <= last; b++) {
            if (!blocks.containsKey(b)) {
                ahead.add(b);
            }
        }
        return ahead;
    }

    /**
     * Fetches the block, caching it when it fits; for a read ({@code required}) it is fetched even when it does
     * not fit, for a read-ahead it is then skipped (returns null).
     */
    private CompletableFuture<byte[]> load(long block, boolean required) {
        int bytes = length(block);
        CompletableFuture<byte[]> placeholder = new CompletableFuture<>();
        boolean cache;
        synchronized (this) {
            CompletableFuture<byte[]> raced = blocks.get(block);
            if (raced != null) {
                return raced;
            }
            cache = !closed && makeRoom(bytes) && reserve(bytes);
            if (cache) {
                blocks.put(block, placeholder);
                cachedBytes += bytes;
            } else if (!required) {
                return null;
            }
        }
        CompletableFuture<byte[]> fetch;
        try {
            fetch = fetcher.apply(block);
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        boolean cached = cache;
        fetch.whenComplete((data, error) -> {
            if (error != null && cached) {
                // a failed fetch must not stay cached: the next read tries again
                synchronized (this) {
                    if (blocks.remove(block, placeholder)) {
                        cachedBytes -= bytes;
                        budget.release(bytes);
                    }
                }
            }
            if (error != null) {
                placeholder.completeExceptionally(error);
            } else {
                placeholder.complete(data);
            }
        });
        return placeholder;
    }

    /** Evicts least recently used done blocks until {@code bytes} more fit this object's capacity. */
    private boolean makeRoom(long bytes) {
        if (bytes > capacityBytes) {
            return false;
        }
        Iterator<Map.Entry<Long, CompletableFuture<byte[]>>> it = blocks.entrySet().iterator();
        while (cachedBytes + bytes > capacityBytes && it.hasNext()) {
            Map.Entry<Long, CompletableFuture<byte[]>> eldest = it.next();
            if (eldest.getValue().isDone()) {
                it.remove();
                int n = length(eldest.getKey());
                cachedBytes -= n;
                budget.release(n);
            }
        }
        return cachedBytes + bytes <= capacityBytes;
    }

    private boolean reserve(long bytes) {
        try {
            return budget.acquire(bytes, 0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IllegalArgumentException larger) {
            return false;
        }
    }

    private void checkBlock(long block) {
        if (block < 0 || block >= blockCount()) {
            throw new IndexOutOfBoundsException("block " + block + " outside 0.." + (blockCount() - 1));
        }
    }

    /** Bytes cached or in flight for this object. */
    public synchronized long cachedBytes() {
        return cachedBytes;
    }

    public synchronized boolean contains(long block) {
        return blocks.containsKey(block);
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** Drops every block and returns its memory to the budget; later lookups fetch without caching. */
    public synchronized void close() {
        closed = true;
        for (Map.Entry<Long, CompletableFuture<byte[]>> e : blocks.entrySet()) {
            budget.release(length(e.getKey()));
        }
        blocks.clear();
        cachedBytes = 0;
    }
}
