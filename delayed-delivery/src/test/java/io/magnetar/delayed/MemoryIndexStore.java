package io.magnetar.delayed;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** An {@link IndexStore} in memory, with switches to make reads fail or return damaged bytes. */
final class MemoryIndexStore implements IndexStore {
    final Map<Long, List<byte[]>> buckets = new LinkedHashMap<>();
    final Map<Long, byte[]> summaries = new LinkedHashMap<>();
    final Set<Long> unreadable = new HashSet<>();
    final Set<Long> corrupt = new HashSet<>();
    final List<Long> deleted = new ArrayList<>();
    long[] manifest = new long[0];
    int chunkReads;
    int summaryReads;
    boolean failWrites;
    private long nextId = 1;

    @Override
    public synchronized CompletableFuture<Long> writeBucket(List<byte[]> chunks, byte[] summary) {
        if (failWrites) {
            return CompletableFuture.failedFuture(new IllegalStateException("writes fail"));
        }
        long id = nextId++;
        buckets.put(id, new ArrayList<>(chunks));
        summaries.put(id, summary);
        return CompletableFuture.completedFuture(id);
    }

    @Override
    public synchronized CompletableFuture<byte[]> readSummary(long bucketId) {
        summaryReads++;
        return read(bucketId, summaries.get(bucketId));
    }

    @Override
    public synchronized CompletableFuture<byte[]> readChunk(long bucketId, int chunk) {
        chunkReads++;
        List<byte[]> chunks = buckets.get(bucketId);
        return read(bucketId, chunks == null ? null : chunks.get(chunk));
    }

    private CompletableFuture<byte[]> read(long bucketId, byte[] data) {
        if (unreadable.contains(bucketId) || data == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no bucket " + bucketId));
        }
        if (corrupt.contains(bucketId)) {
            byte[] damaged = data.clone();
            damaged[damaged.length / 2] ^= 0x5a;
            return CompletableFuture.completedFuture(damaged);
        }
        return CompletableFuture.completedFuture(data);
    }

    @Override
    public synchronized CompletableFuture<Void> deleteBucket(long bucketId) {
        buckets.remove(bucketId);
        summaries.remove(bucketId);
        deleted.add(bucketId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized long[] loadManifest() {
        return manifest.clone();
    }

    @Override
    public synchronized CompletableFuture<Void> saveManifest(long[] bucketIds) {
        manifest = bucketIds.clone();
        return CompletableFuture.completedFuture(null);
    }
}
