package io.magnetar.bench.delayed;

import io.magnetar.delayed.IndexStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Magnetar's {@link IndexStore} in memory, laid out as {@code BookKeeperIndexStore} lays out a bucket ledger:
 * chunks as entries 0..n-1, the summary as entry n. The manifest stands for the cursor property; reading it is not
 * a BookKeeper read. One store per subscription; it outlives the tracker.
 *
 * <p>Not delayed-delivery's test {@code MemoryIndexStore}: that one answers at once and injects faults; this one
 * completes on the {@link StandInStorage} thread and counts entries read and heap as Pulsar's bucket contender's
 * storage does, so both persistent trackers are measured alike.
 */
final class StandInIndexStore implements IndexStore {
    private final StandInStorage storage;
    private final AtomicLong nextId;
    private volatile long[] manifest = new long[0];

    StandInIndexStore(StandInStorage storage, long firstId) {
        this.storage = storage;
        this.nextId = new AtomicLong(firstId);
    }

    @Override
    public CompletableFuture<Long> writeBucket(List<byte[]> chunks, byte[] summary) {
        return storage.async(() -> {
            byte[][] entries = new byte[chunks.size() + 1][];
            for (int i = 0; i < chunks.size(); i++) {
                entries[i] = chunks.get(i).clone();
            }
            entries[chunks.size()] = summary.clone();
            long id = nextId.getAndIncrement();
            storage.putLedger(id, entries);
            return id;
        });
    }

    @Override
    public CompletableFuture<byte[]> readSummary(long bucketId) {
        return storage.async(() -> {
            byte[][] entries = entries(bucketId);
            storage.countRead(1);
            return entries[entries.length - 1];
        });
    }

    @Override
    public CompletableFuture<byte[]> readChunk(long bucketId, int chunk) {
        return storage.async(() -> {
            byte[][] entries = entries(bucketId);
            if (chunk < 0 || chunk >= entries.length - 1) {
                throw new IllegalArgumentException("bucket " + bucketId + " has no chunk " + chunk);
            }
            storage.countRead(1);
            return entries[chunk];
        });
    }

    private byte[][] entries(long bucketId) {
        byte[][] entries = storage.ledger(bucketId);
        if (entries == null) {
            throw new IllegalStateException("no bucket ledger " + bucketId);
        }
        return entries;
    }

    @Override
    public CompletableFuture<Void> deleteBucket(long bucketId) {
        return storage.async(() -> {
            storage.deleteLedger(bucketId);
            return null;
        });
    }

    @Override
    public long[] loadManifest() {
        return manifest.clone();
    }

    @Override
    public CompletableFuture<Void> saveManifest(long[] bucketIds) {
        long[] copy = bucketIds.clone();
        return storage.async(() -> {
            manifest = copy;
            return null;
        });
    }
}
