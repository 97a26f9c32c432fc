package io.magnetar.offload.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class BlockCacheTest {
    private static final int KIB = 1024;

    /** Fetches complete only when the test says so, and every fetch is counted. */
    private final Map<Long, CompletableFuture<byte[]>> fetches = new ConcurrentHashMap<>();
    private final List<Long> fetched = new ArrayList<>();

    private CompletableFuture<byte[]> fetch(long block) {
        synchronized (fetched) {
            fetched.add(block);
        }
        return fetches.computeIfAbsent(block, b -> new CompletableFuture<>());
    }

    private void finish(long block, int length) {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) block);
        fetches.get(block).complete(data);
    }

    @Test
    void blocksCoverTheObjectAndTheLastIsShorter() {
        BlockCache.Source c = new BlockCache(64 * KIB).open(10 * KIB + 5, 4 * KIB, 0, this::fetch);
        assertEquals(3, c.blockCount());
        assertEquals(0, c.blockOf(4 * KIB - 1));
        assertEquals(1, c.blockOf(4 * KIB));
        assertEquals(2, c.blockOf(10 * KIB + 4));
        assertEquals(8 * KIB, c.start(2));
        assertEquals(10 * KIB + 5, c.end(2));
        assertThrows(IndexOutOfBoundsException.class, () -> c.blockOf(10 * KIB + 5));
    }

    @Test
    void concurrentReadersOfABlockShareOneFetch() throws Exception {
        BlockCache.Source c = new BlockCache(64 * KIB).open(16 * KIB, 4 * KIB, 0, this::fetch);
        BlockCache.Lookup a = c.get(1);
        BlockCache.Lookup b = c.get(1);
        assertFalse(a.hit());
        assertTrue(b.hit(), "the second reader finds the fetch in flight");
        assertSame(a.block(), b.block());
        finish(1, 4 * KIB);
        assertArrayEquals(a.block().get(), c.get(1).block().get());
        assertEquals(List.of(1L), fetched, "one GET for three lookups");
    }

    @Test
    void readAheadNamesTheNextUncachedBlocksWithinTheDistanceAndTheObject() {
        BlockCache.Source c = new BlockCache(64 * KIB).open(20 * KIB, 4 * KIB, 8 * KIB, this::fetch);
        assertEquals(List.of(1L, 2L), c.aheadOf(0));
        c.prefetch(1);
        assertEquals(List.of(2L), c.aheadOf(0), "block 1 is in flight already");
        assertEquals(List.of(4L), c.aheadOf(3), "never past the last block");
        assertEquals(List.of(), c.aheadOf(4));
        BlockCache.Source none = new BlockCache(0).open(20 * KIB, 4 * KIB, 8 * KIB, this::fetch);
        assertEquals(List.of(), none.aheadOf(0), "no cache, no read-ahead");
    }

    @Test
    void theLeastRecentlyUsedDoneBlockIsEvictedAtCapacityAndInFlightOnesStay() throws Exception {
        BlockCache cache = new BlockCache(8 * KIB);
        BlockCache.Source c = cache.open(64 * KIB, 4 * KIB, 0, this::fetch);
        c.get(0);
        c.get(1);
        finish(0, 4 * KIB);
        // full (8 KiB): block 0 is done, block 1 in flight; a third evicts block 0 only
        c.get(2);
        assertFalse(c.contains(0));
        assertTrue(c.contains(1));
        assertTrue(c.contains(2));
        // both cached blocks in flight: a read of block 3 is fetched but not kept, a read-ahead is skipped
        BlockCache.Lookup uncached = c.get(3);
        assertFalse(c.contains(3));
        c.prefetch(4);
        assertFalse(c.contains(4));
        assertFalse(fetched.contains(4L), "no read-ahead without room");
        finish(3, 4 * KIB);
        assertEquals(4 * KIB, uncached.block().get().length, "the read still gets its block");
        assertEquals(8 * KIB, cache.cachedBytes(), "never above the capacity");
        c.close();
        assertEquals(0, cache.cachedBytes(), "close drops the object's blocks");
    }

    @Test
    void objectsShareOneBoundAndAnOldObjectsBlocksGiveWayToANewOnes() throws Exception {
        BlockCache cache = new BlockCache(8 * KIB);
        List<Long> fetchedB = new ArrayList<>();
        BlockCache.Source a = cache.open(64 * KIB, 4 * KIB, 0, this::fetch);
        BlockCache.Source b = cache.open(64 * KIB, 4 * KIB, 0, block -> {
            fetchedB.add(block);
            return CompletableFuture.completedFuture(new byte[4 * KIB]);
        });
        a.prefetch(0);
        a.prefetch(1);
        finish(0, 4 * KIB);
        finish(1, 4 * KIB);
        // a ledger read long ago (its handle still open) holds the whole cache; a new ledger's reads evict it
        b.get(0);
        b.prefetch(1);
        assertTrue(b.contains(0));
        assertTrue(b.contains(1));
        assertFalse(a.contains(0));
        assertFalse(a.contains(1));
        assertEquals(8 * KIB, cache.cachedBytes());
        assertTrue(b.get(0).hit(), "the same block of another object is not confused with it");
        assertEquals(List.of(0L, 1L), fetchedB);
        a.close();
        assertEquals(8 * KIB, cache.cachedBytes(), "closing one object leaves the other's blocks");
    }

    @Test
    void aFailedFetchIsNotCachedAndReleasesItsMemory() throws Exception {
        BlockCache cache = new BlockCache(64 * KIB);
        BlockCache.Source c = cache.open(16 * KIB, 4 * KIB, 0, this::fetch);
        BlockCache.Lookup first = c.get(2);
        fetches.get(2L).completeExceptionally(new IllegalStateException("503 Slow Down"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> first.block().get());
        assertTrue(e.getCause().getMessage().contains("503"));
        assertFalse(c.contains(2));
        assertEquals(0, cache.cachedBytes());
        fetches.remove(2L);
        BlockCache.Lookup retry = c.get(2);
        assertFalse(retry.hit(), "the next read fetches again");
        finish(2, 4 * KIB);
        assertEquals(4 * KIB, retry.block().get().length);
        assertEquals(List.of(2L, 2L), fetched);
    }
}
