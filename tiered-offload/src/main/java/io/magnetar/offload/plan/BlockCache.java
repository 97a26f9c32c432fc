package io.magnetar.offload.plan;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The broker-wide cache of blocks of offloaded data objects, shared by every reader: fixed-size byte ranges of an
 * object (the last one shorter), each fetched at most once while it stays cached, in flight or done. One bound,
 * {@code capacityBytes}, over all objects: the least recently used done block leaves first, whichever ledger it
 * belongs to, so ledgers read long ago (whose handles Pulsar keeps open for minutes) give way to the ones being
 * read. When nothing can leave (every cached block still in flight) a read's block is fetched for that read only
 * and a read-ahead is skipped: memory never exceeds the bound and a read never waits for cache room.
 *
 * <p>Each data object is a {@link Source}: {@link Source#aheadOf(long)} names the blocks after a read's last block,
 * up to the read-ahead distance, that are not cached yet; {@link Source#prefetch(long)} starts one.
 */
public final class BlockCache {
    private final long capacityBytes;
    private final AtomicLong sources = new AtomicLong();
    // access order: the eldest is the least recently used
    private final LinkedHashMap<Key, Slot> blocks = new LinkedHashMap<>(64, 0.75f, true);
    private long cachedBytes;

    private record Key(long source, long block) {
    }

    private record Slot(CompletableFuture<byte[]> data, int bytes) {
    }

    /** A lookup's outcome: the block's bytes to come, and whether another read or a read-ahead had fetched it. */
    public record Lookup(CompletableFuture<byte[]> block, boolean hit) {
    }

    public BlockCache(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacity " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /**
     * A data object of {@code objectLength} bytes read in blocks of {@code blockSize}.
     *
     * @param fetcher fetches block {@code b}: bytes {@code [start(b), end(b))} of the object
     */
    public Source open(long objectLength, int blockSize, long aheadBytes,
                       LongFunction<CompletableFuture<byte[]>> fetcher) {
        return new Source(sources.incrementAndGet(), objectLength, blockSize, aheadBytes, fetcher);
    }

    /** Bytes cached or in flight, over all objects. */
    public synchronized long cachedBytes() {
        return cachedBytes;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Evicts least recently used done blocks until {@code bytes} more fit. */
    private boolean makeRoom(long bytes) {
        if (bytes > capacityBytes) {
            return false;
        }
        Iterator<Map.Entry<Key, Slot>> it = blocks.entrySet().iterator();
        while (cachedBytes + bytes > capacityBytes && it.hasNext()) {
            Slot eldest = it.next().getValue();
            if (eldest.data().isDone()) {
                it.remove();
                cachedBytes -= eldest.bytes();
            }
        }
        return cachedBytes + bytes <= capacityBytes;
    }

    /** One data object's view of the cache. */
    public final class Source {
        private final long id;
        private final long objectLength;
        private final int blockSize;
        private final int aheadBlocks;
        private final LongFunction<CompletableFuture<byte[]>> fetcher;
        private volatile boolean closed;

        private Source(long id, long objectLength, int blockSize, long aheadBytes,
                       LongFunction<CompletableFuture<byte[]>> fetcher) {
            if (blockSize <= 0 || objectLength < 0 || aheadBytes < 0) {
                throw new IllegalArgumentException("object " + objectLength + ", block " + blockSize + ", ahead "
                        + aheadBytes);
            }
            this.id = id;
            this.objectLength = objectLength;
            this.blockSize = blockSize;
            this.aheadBlocks = (int) Math.min(Integer.MAX_VALUE, (aheadBytes + blockSize - 1) / blockSize);
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

        /** Block {@code b} for a read: the cached or in-flight one, else a fetch (kept when there is room). */
        public Lookup get(long block) {
            checkBlock(block);
            synchronized (BlockCache.this) {
                Slot cached = blocks.get(new Key(id, block));
                if (cached != null) {
                    return new Lookup(cached.data(), true);
                }
            }
            return new Lookup(load(block, true), false);
        }

        /** Starts fetching block {@code b} into the cache, unless it is there or there is no room. */
        public void prefetch(long block) {
            checkBlock(block);
            load(block, false);
        }

        /** The blocks after {@code lastBlockRead}, within the read-ahead distance and the object, not cached yet. */
        public List<Long> aheadOf(long lastBlockRead) {
            List<Long> ahead = new ArrayList<>();
            if (capacityBytes == 0 || closed) {
                return ahead;
            }
            long last = Math.min(blockCount() - 1, lastBlockRead + aheadBlocks);
            synchronized (BlockCache.this) {
                for (long b = lastBlockRead + 1; b <= last; b++) {
                    if (!blocks.containsKey(new Key(id, b))) {
                        ahead.add(b);
                    }
                }
            }
            return ahead;
        }

        public boolean contains(long block) {
            synchronized (BlockCache.this) {
                return blocks.containsKey(new Key(id, block));
            }
        }

        /**
         * Fetches the block, caching it when it fits; for a read ({@code required}) it is fetched even when it does
         * not fit, for a read-ahead it is then skipped (returns null).
         */
        private CompletableFuture<byte[]> load(long block, boolean required) {
            Key key = new Key(id, block);
            int bytes = (int) (end(block) - start(block));
            CompletableFuture<byte[]> placeholder = new CompletableFuture<>();
            Slot slot = new Slot(placeholder, bytes);
            boolean cache;
            synchronized (BlockCache.this) {
                Slot raced = blocks.get(key);
                if (raced != null) {
                    return raced.data();
                }
                cache = !closed && makeRoom(bytes);
                if (cache) {
                    blocks.put(key, slot);
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
            fetch.whenComplete((data, error) -> {
                if (error != null && cache) {
                    // a failed fetch must not stay cached: the next read tries again
                    synchronized (BlockCache.this) {
                        if (blocks.remove(key, slot)) {
                            cachedBytes -= bytes;
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

        private void checkBlock(long block) {
            if (block < 0 || block >= blockCount()) {
                throw new IndexOutOfBoundsException("block " + block + " outside 0.." + (blockCount() - 1));
            }
        }

        /** Drops the object's blocks; later lookups fetch without caching. */
        public void close() {
            closed = true;
            synchronized (BlockCache.this) {
                Iterator<Map.Entry<Key, Slot>> it = blocks.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<Key, Slot> e = it.next();
                    if (e.getKey().source() == id) {
                        it.remove();
                        cachedBytes -= e.getValue().bytes();
                    }
                }
            }
        }
    }
}
