package io.magnetar.offload.pulsar;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.LedgerMetadataBuilder;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.LastConfirmedAndEntry;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.LedgerMetadata;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.impl.LedgerEntriesImpl;
import org.apache.bookkeeper.client.impl.LedgerEntryImpl;
import org.apache.bookkeeper.net.BookieId;

/** A closed ledger in memory with BookKeeper's read API: what the broker hands {@code offload}. */
final class FakeLedger implements ReadHandle {
    final long id;
    final List<byte[]> entries;
    final AtomicInteger reads = new AtomicInteger();
    private final LedgerMetadata metadata;

    FakeLedger(long id, List<byte[]> entries) {
        this.id = id;
        this.entries = entries;
        long length = entries.stream().mapToLong(e -> e.length).sum();
        this.metadata = LedgerMetadataBuilder.create().withId(id).withMetadataFormatVersion(3)
                .withEnsembleSize(1).withWriteQuorumSize(1).withAckQuorumSize(1)
                .withDigestType(DigestType.CRC32C).withPassword(new byte[0])
                .newEnsembleEntry(0, List.of(BookieId.parse("127.0.0.1:3181")))
                .withClosedState().withLastEntryId(entries.size() - 1).withLength(length).build();
    }

    /** {@code count} entries of random bytes, sizes between min and max. */
    static FakeLedger random(long id, int count, int minSize, int maxSize, long seed) {
        Random r = new Random(seed);
        List<byte[]> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] e = new byte[minSize + r.nextInt(maxSize - minSize + 1)];
            r.nextBytes(e);
            entries.add(e);
        }
        return new FakeLedger(id, entries);
    }

    @Override
    public CompletableFuture<LedgerEntries> readAsync(long first, long last) {
        reads.incrementAndGet();
        if (first < 0 || last >= entries.size() || last < first) {
            return CompletableFuture.failedFuture(new BKException.BKIncorrectParameterException());
        }
        return CompletableFuture.supplyAsync(() -> {
            List<LedgerEntry> list = new ArrayList<>();
            for (long e = first; e <= last; e++) {
                byte[] data = entries.get((int) e);
                list.add(LedgerEntryImpl.create(id, e, data.length, Unpooled.copiedBuffer(data)));
            }
            return LedgerEntriesImpl.create(list);
        });
    }

    @Override
    public CompletableFuture<LedgerEntries> readUnconfirmedAsync(long first, long last) {
        return readAsync(first, last);
    }

    @Override
    public CompletableFuture<Long> readLastAddConfirmedAsync() {
        return CompletableFuture.completedFuture(getLastAddConfirmed());
    }

    @Override
    public CompletableFuture<Long> tryReadLastAddConfirmedAsync() {
        return readLastAddConfirmedAsync();
    }

    @Override
    public long getLastAddConfirmed() {
        return entries.size() - 1;
    }

    @Override
    public long getLength() {
        return metadata.getLength();
    }

    @Override
    public boolean isClosed() {
        return true;
    }

    @Override
    public CompletableFuture<LastConfirmedAndEntry> readLastAddConfirmedAndEntryAsync(long e, long t, boolean p) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException());
    }

    @Override
    public long getId() {
        return id;
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public LedgerMetadata getLedgerMetadata() {
        return metadata;
    }
}
