package io.magnetar.delayed.pulsar;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.pulsar.broker.delayed.bucket.BucketNotExistException;
import org.apache.pulsar.broker.delayed.bucket.BucketSnapshotStorage;
import org.apache.pulsar.broker.delayed.proto.SnapshotMetadata;
import org.apache.pulsar.broker.delayed.proto.SnapshotSegment;

/**
 * Handed to the parent {@code BucketDelayedDeliveryTracker} constructor. When a subscription was tracked by
 * Pulsar's bucket tracker before Magnetar's, its cursor still lists bucket snapshots: reporting them as missing
 * makes the parent delete each snapshot ledger and its cursor property. The messages they indexed are still in
 * the backlog and are indexed again by Magnetar's tracker as the dispatcher reads them. Nothing is ever written.
 */
final class LegacyBucketSnapshotStorage implements BucketSnapshotStorage {
    private final Supplier<BookKeeper> bookKeeper;

    LegacyBucketSnapshotStorage(Supplier<BookKeeper> bookKeeper) {
        this.bookKeeper = bookKeeper;
    }

    @Override
    public CompletableFuture<Long> createBucketSnapshot(SnapshotMetadata snapshotMetadata,
                                                        List<SnapshotSegment> bucketSnapshotSegments,
                                                        String bucketKey, String topicName, String cursorName) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("Magnetar writes no bucket snapshots"));
    }

    @Override
    public CompletableFuture<SnapshotMetadata> getBucketSnapshotMetadata(long bucketId) {
        return CompletableFuture.failedFuture(new BucketNotExistException(
                "bucket snapshot " + bucketId + " of Pulsar's bucket tracker is retired by Magnetar's tracker"));
    }

    @Override
    public CompletableFuture<List<SnapshotSegment>> getBucketSnapshotSegment(long bucketId, long firstSegmentEntryId,
                                                                             long lastSegmentEntryId) {
        return CompletableFuture.failedFuture(new BucketNotExistException("retired bucket snapshot " + bucketId));
    }

    @Override
    public CompletableFuture<Long> getBucketSnapshotLength(long bucketId) {
        return CompletableFuture.completedFuture(0L);
    }

    @Override
    public CompletableFuture<Void> deleteBucketSnapshot(long bucketId) {
        return bookKeeper.get().newDeleteLedgerOp().withLedgerId(bucketId).execute();
    }

    @Override
    public void start() {
    }

    @Override
    public void close() {
    }
}
