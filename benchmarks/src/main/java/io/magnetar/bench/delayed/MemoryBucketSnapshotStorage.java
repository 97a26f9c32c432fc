package io.magnetar.bench.delayed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pulsar.broker.delayed.bucket.BucketNotExistException;
import org.apache.pulsar.broker.delayed.bucket.BucketSnapshotStorage;
import org.apache.pulsar.broker.delayed.proto.SnapshotMetadata;
import org.apache.pulsar.broker.delayed.proto.SnapshotSegment;

/**
 * Pulsar's {@link BucketSnapshotStorage} in memory, with the entry layout of {@code BookkeeperBucketSnapshotStorage}:
 * entry 0 the serialized metadata, entries 1..n the serialized segments. Snapshots are kept serialized, as bytes,
 * so the tracker's heap and the storage's are told apart, and every read parses them again as a BookKeeper read
 * would.
 */
final class MemoryBucketSnapshotStorage implements BucketSnapshotStorage {
    private final StandInStorage storage;
    private final AtomicLong nextId = new AtomicLong(1);

    MemoryBucketSnapshotStorage(StandInStorage storage) {
        this.storage = storage;
    }

    @Override
    public CompletableFuture<Long> createBucketSnapshot(SnapshotMetadata snapshotMetadata,
                                                        List<SnapshotSegment> bucketSnapshotSegments,
                                                        String bucketKey, String topicName, String cursorName) {
        return storage.async(() -> {
            byte[][] entries = new byte[bucketSnapshotSegments.size() + 1][];
            entries[0] = snapshotMetadata.toByteArray();
            for (int i = 0; i < bucketSnapshotSegments.size(); i++) {
                entries[i + 1] = bucketSnapshotSegments.get(i).toByteArray();
            }
            long id = nextId.getAndIncrement();
            storage.putLedger(id, entries);
            return id;
        });
    }

    @Override
    public CompletableFuture<SnapshotMetadata> getBucketSnapshotMetadata(long bucketId) {
        return storage.async(() -> {
            byte[][] entries = entries(bucketId);
            storage.countRead(1);
            try {
                return SnapshotMetadata.parseFrom(entries[0]);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public CompletableFuture<List<SnapshotSegment>> getBucketSnapshotSegment(long bucketId, long firstSegmentEntryId,
                                                                             long lastSegmentEntryId) {
        return storage.async(() -> {
            byte[][] entries = entries(bucketId);
            List<SnapshotSegment> segments = new ArrayList<>();
            for (long id = firstSegmentEntryId; id <= lastSegmentEntryId && id < entries.length; id++) {
                SnapshotSegment segment = new SnapshotSegment();
                segment.parseFrom(entries[(int) id]);
                segments.add(segment);
            }
            storage.countRead(segments.size());
            return segments;
        });
    }

    private byte[][] entries(long bucketId) {
        byte[][] entries = storage.ledger(bucketId);
        if (entries == null) {
            throw new java.util.concurrent.CompletionException(
                    new BucketNotExistException("no snapshot ledger " + bucketId));
        }
        return entries;
    }

    @Override
    public CompletableFuture<Long> getBucketSnapshotLength(long bucketId) {
        return storage.async(() -> {
            long length = 0;
            for (byte[] entry : entries(bucketId)) {
                length += entry.length;
            }
            return length;
        });
    }

    @Override
    public CompletableFuture<Void> deleteBucketSnapshot(long bucketId) {
        return storage.async(() -> {
            storage.deleteLedger(bucketId);
            return null;
        });
    }

    @Override
    public void start() {
    }

    @Override
    public void close() {
    }
}
