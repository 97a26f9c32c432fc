package io.magnetar.delayed.pulsar;

import io.magnetar.api.InternalNames;
import io.magnetar.delayed.IndexStore;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.mledger.AsyncCallbacks;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.ManagedLedgerException;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic's {@link IndexStore} on the broker's own BookKeeper client: each bucket is one ledger (its chunks as
 * entries 0..n-1, its summary as the last entry, then closed), and the list of live bucket ledgers is one property
 * of the topic's managed ledger, so it moves with the topic to whichever broker owns it next.
 */
public final class BookKeeperIndexStore implements IndexStore {
    private static final Logger log = LoggerFactory.getLogger(BookKeeperIndexStore.class);
    static final String MANIFEST_PROPERTY = InternalNames.DELAYED_INDEX_PROPERTY;
    private static final byte[] PASSWORD = new byte[0];

    private final Supplier<BookKeeper> bookKeeper;
    private final ManagedLedger ledger;
    private final LedgerReplication replication;
    private final Map<String, byte[]> ledgerMetadata;
    private final Map<Long, CompletableFuture<ReadHandle>> openHandles = new ConcurrentHashMap<>();

    public record LedgerReplication(int ensemble, int writeQuorum, int ackQuorum) {
        /** The broker's default managed-ledger replication. */
        public static LedgerReplication of(ServiceConfiguration conf) {
            return new LedgerReplication(conf.getManagedLedgerDefaultEnsembleSize(),
                    conf.getManagedLedgerDefaultWriteQuorum(), conf.getManagedLedgerDefaultAckQuorum());
        }
    }

    public BookKeeperIndexStore(Supplier<BookKeeper> bookKeeper, ManagedLedger ledger, LedgerReplication replication) {
        this.bookKeeper = bookKeeper;
        this.ledger = ledger;
        this.replication = replication;
        this.ledgerMetadata = Map.of(
                "application", "magnetar".getBytes(StandardCharsets.UTF_8),
                "component", "delayed-index".getBytes(StandardCharsets.UTF_8),
                "managed-ledger", ledger.getName().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public CompletableFuture<Long> writeBucket(List<byte[]> chunks, byte[] summary) {
        return bookKeeper.get().newCreateLedgerOp()
                .withEnsembleSize(replication.ensemble())
                .withWriteQuorumSize(replication.writeQuorum())
                .withAckQuorumSize(replication.ackQuorum())
                .withDigestType(DigestType.CRC32C)
                .withPassword(PASSWORD)
                .withCustomMetadata(ledgerMetadata)
                .execute()
                .thenCompose(handle -> appendAll(handle, chunks, summary)
                        .thenCompose(ignored -> handle.closeAsync())
                        .thenApply(ignored -> handle.getId())
                        .whenComplete((id, error) -> {
                            if (error != null) {
                                handle.closeAsync().whenComplete((i, e) -> deleteBucket(handle.getId()));
                            }
                        }));
    }

    private static CompletableFuture<Void> appendAll(WriteHandle handle, List<byte[]> chunks, byte[] summary) {
        // appends are pipelined: BookKeeper keeps them in order
        CompletableFuture<?>[] writes = new CompletableFuture<?>[chunks.size() + 1];
        for (int i = 0; i < chunks.size(); i++) {
            writes[i] = handle.appendAsync(chunks.get(i));
        }
        writes[chunks.size()] = handle.appendAsync(summary);
        return CompletableFuture.allOf(writes);
    }

    @Override
    public CompletableFuture<byte[]> readSummary(long bucketId) {
        return open(bucketId).thenCompose(handle -> read(handle, handle.getLastAddConfirmed()));
    }

    @Override
    public CompletableFuture<byte[]> readChunk(long bucketId, int chunk) {
        return open(bucketId).thenCompose(handle -> read(handle, chunk));
    }

    private CompletableFuture<ReadHandle> open(long bucketId) {
        CompletableFuture<ReadHandle> handle = openHandles.computeIfAbsent(bucketId, id -> bookKeeper.get()
                .newOpenLedgerOp()
                .withLedgerId(id)
                .withDigestType(DigestType.CRC32C)
                .withPassword(PASSWORD)
                .withRecovery(false)
                .execute());
        return handle.whenComplete((h, error) -> {
            if (error != null) {
                openHandles.remove(bucketId, handle);
            }
        });
    }

    private static CompletableFuture<byte[]> read(ReadHandle handle, long entryId) {
        if (entryId < 0) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("ledger " + handle.getId() + " has no entries"));
        }
        return handle.readAsync(entryId, entryId).thenApply(entries -> {
            try (LedgerEntries closing = entries) {
                LedgerEntry entry = closing.getEntry(entryId);
                return entry.getEntryBytes();
            }
        });
    }

    @Override
    public CompletableFuture<Void> deleteBucket(long bucketId) {
        CompletableFuture<ReadHandle> handle = openHandles.remove(bucketId);
        if (handle != null) {
            handle.thenAccept(ReadHandle::closeAsync);
        }
        return bookKeeper.get().newDeleteLedgerOp().withLedgerId(bucketId).execute();
    }

    @Override
    public long[] loadManifest() {
        return parseManifest(ledger.getProperties().get(MANIFEST_PROPERTY), ledger.getName());
    }

    static long[] parseManifest(String value, String ledgerName) {
        if (value == null || value.isBlank()) {
            return new long[0];
        }
        try {
            return Arrays.stream(value.split(",")).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            log.warn("[{}] Ignoring unreadable delayed index manifest '{}': the index is rebuilt from the backlog",
                    ledgerName, value);
            return new long[0];
        }
    }

    @Override
    public CompletableFuture<Void> saveManifest(long[] bucketIds) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AsyncCallbacks.UpdatePropertiesCallback callback = new AsyncCallbacks.UpdatePropertiesCallback() {
            @Override
            public void updatePropertiesComplete(Map<String, String> properties, Object ctx) {
                done.complete(null);
            }

            @Override
            public void updatePropertiesFailed(ManagedLedgerException exception, Object ctx) {
                done.completeExceptionally(exception);
            }
        };
        if (bucketIds.length == 0) {
            if (!ledger.getProperties().containsKey(MANIFEST_PROPERTY)) {
                return CompletableFuture.completedFuture(null);
            }
            ledger.asyncDeleteProperty(MANIFEST_PROPERTY, callback, null);
            return done;
        }
        StringBuilder value = new StringBuilder();
        for (long id : bucketIds) {
            if (!value.isEmpty()) {
                value.append(',');
            }
            value.append(id);
        }
        ledger.asyncSetProperty(MANIFEST_PROPERTY, value.toString(), callback, null);
        return done;
    }

    /** Closes the read handles; the ledgers stay. */
    @Override
    public void close() {
        openHandles.values().forEach(f -> f.thenAccept(ReadHandle::closeAsync));
        openHandles.clear();
    }
}
