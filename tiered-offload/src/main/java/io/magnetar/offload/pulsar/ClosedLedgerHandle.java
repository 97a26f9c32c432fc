package io.magnetar.offload.pulsar;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.bookkeeper.client.api.LastConfirmedAndEntry;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.mledger.OffloadedLedgerHandle;

/** What every read handle of an offloaded ledger shares: the ledger is closed, reads are the only operation. */
abstract class ClosedLedgerHandle implements ReadHandle, OffloadedLedgerHandle {
    protected final AtomicInteger pendingReads = new AtomicInteger();
    protected volatile long lastAccess = System.currentTimeMillis();

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
    public boolean isClosed() {
        return true;
    }

    @Override
    public CompletableFuture<LastConfirmedAndEntry> readLastAddConfirmedAndEntryAsync(long entryId, long timeout,
                                                                                      boolean parallel) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "an offloaded ledger is closed: use readAsync"));
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public long lastAccessTimestamp() {
        return lastAccess;
    }

    @Override
    public int getPendingRead() {
        return pendingReads.get();
    }
}
