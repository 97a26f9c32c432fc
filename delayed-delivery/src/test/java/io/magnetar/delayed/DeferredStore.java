package io.magnetar.delayed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Wraps a store so that its summary reads complete only when the test says so. */
final class DeferredStore implements IndexStore {
    private final IndexStore inner;
    private final List<Runnable> held = new ArrayList<>();

    DeferredStore(IndexStore inner) {
        this.inner = inner;
    }

    void completeAll() {
        List<Runnable> now = new ArrayList<>(held);
        held.clear();
        now.forEach(Runnable::run);
    }

    @Override
    public CompletableFuture<byte[]> readSummary(long bucketId) {
        CompletableFuture<byte[]> later = new CompletableFuture<>();
        held.add(() -> inner.readSummary(bucketId).whenComplete((v, e) -> {
            if (e != null) {
                later.completeExceptionally(e);
            } else {
                later.complete(v);
            }
        }));
        return later;
    }

    @Override
    public CompletableFuture<Long> writeBucket(List<byte[]> chunks, byte[] summary) {
        return inner.writeBucket(chunks, summary);
    }

    @Override
    public CompletableFuture<byte[]> readChunk(long bucketId, int chunk) {
        return inner.readChunk(bucketId, chunk);
    }

    @Override
    public CompletableFuture<Void> deleteBucket(long bucketId) {
        return inner.deleteBucket(bucketId);
    }

    @Override
    public long[] loadManifest() {
        return inner.loadManifest();
    }

    @Override
    public CompletableFuture<Void> saveManifest(long[] bucketIds) {
        return inner.saveManifest(bucketIds);
    }
}
