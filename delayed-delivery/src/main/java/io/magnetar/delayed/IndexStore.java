package io.magnetar.delayed;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link TopicDelayIndex} keeps its sealed buckets and the list of live ones (its manifest). The broker's
 * implementation writes one BookKeeper ledger per bucket and the manifest into the managed-ledger property
 * {@code __magnetar.delayed.index} of the topic (or of the timer log); tests use memory.
 */
public interface IndexStore extends AutoCloseable {
    /** Persists a bucket: its chunks, then its summary. Completes with the bucket's id. */
    CompletableFuture<Long> writeBucket(List<byte[]> chunks, byte[] summary);

    CompletableFuture<byte[]> readSummary(long bucketId);

    /** The {@code chunk}-th chunk (0-based) of the bucket. */
    CompletableFuture<byte[]> readChunk(long bucketId, int chunk);

    CompletableFuture<Void> deleteBucket(long bucketId);

    /** The bucket ids last saved, empty when none. */
    long[] loadManifest();

    CompletableFuture<Void> saveManifest(long[] bucketIds);

    /** Releases handles; what was written stays. */
    @Override
    default void close() {
    }
}
