package io.magnetar.offload.pulsar;

import io.magnetar.offload.format.CorruptIndexException;
import io.magnetar.offload.format.JcloudIndex;
import io.magnetar.offload.format.JcloudScanner;
import io.magnetar.offload.store.ObjectStore;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.LedgerMetadataBuilder;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.LedgerMetadata;
import org.apache.bookkeeper.client.impl.LedgerEntriesImpl;
import org.apache.bookkeeper.client.impl.LedgerEntryImpl;
import org.apache.bookkeeper.net.BookieId;
import org.apache.bookkeeper.proto.DataFormats.LedgerMetadataFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger written by Pulsar's jcloud offloader (format v1), read with ranged GETs so a namespace can switch to
 * {@code magnetar-s3} and keep reading what it offloaded before. jcloud stores no per-entry checksum; entries are
 * checked against the block layout (headers, ids, lengths) instead.
 */
final class JcloudReadHandle extends ClosedLedgerHandle {
    private static final Logger log = LoggerFactory.getLogger(JcloudReadHandle.class);

    private final long ledgerId;
    private final LedgerMetadata metadata;
    private final JcloudScanner scanner;
    private final ObjectStore store;
    private final String dataKey;
    private final Executor io;
    private final OffloadMetrics metrics;
    private final String topic;

    private JcloudReadHandle(long ledgerId, LedgerMetadata metadata, JcloudScanner scanner, ObjectStore store,
                             String dataKey, Executor io, OffloadMetrics metrics, String topic) {
        this.ledgerId = ledgerId;
        this.metadata = metadata;
        this.scanner = scanner;
        this.store = store;
        this.dataKey = dataKey;
        this.io = io;
        this.metrics = metrics;
        this.topic = topic;
    }

    /** Opens from an index object already fetched. */
    static JcloudReadHandle open(byte[] indexBytes, ObjectStore store, String dataKey, long ledgerId, Executor io,
                                 long windowBytes, OffloadMetrics metrics, String topic) throws IOException {
        JcloudIndex index = JcloudIndex.decode(indexBytes, ledgerId);
        LedgerMetadata metadata = metadata(index.ledgerMetadata(), ledgerId);
        if (!metadata.isClosed()) {
            throw new CorruptIndexException("jcloud index of ledger " + ledgerId + " holds metadata of an open ledger");
        }
        return new JcloudReadHandle(ledgerId, metadata, new JcloudScanner(index, metadata.getLastEntryId(),
                windowBytes), store, dataKey, io, metrics, topic);
    }

    /** BookKeeper's {@code LedgerMetadataFormat} protobuf, as jcloud stores it, to a {@link LedgerMetadata}. */
    static LedgerMetadata metadata(byte[] proto, long ledgerId) throws IOException {
        LedgerMetadataFormat f;
        try {
            f = LedgerMetadataFormat.parseFrom(proto);
        } catch (IOException e) {
            throw new CorruptIndexException("jcloud index of ledger " + ledgerId + ": unreadable ledger metadata");
        }
        LedgerMetadataBuilder b = LedgerMetadataBuilder.create().withId(ledgerId).withMetadataFormatVersion(3)
                .withEnsembleSize(f.getEnsembleSize()).withWriteQuorumSize(f.getQuorumSize())
                .withAckQuorumSize(f.hasAckQuorumSize() ? f.getAckQuorumSize() : f.getQuorumSize())
                .withLastEntryId(f.getLastEntryId()).withLength(f.getLength())
                .withPassword(f.hasPassword() ? f.getPassword().toByteArray() : new byte[0])
                .withDigestType(switch (f.getDigestType()) {
                    case HMAC -> DigestType.MAC;
                    case CRC32 -> DigestType.CRC32;
                    case DUMMY -> DigestType.DUMMY;
                    default -> DigestType.CRC32C;
                });
        if (f.hasCtime()) {
            b.withCreationTime(f.getCtime()).storingCreationTime(true);
        }
        for (LedgerMetadataFormat.Segment s : f.getSegmentList()) {
            List<BookieId> bookies = new ArrayList<>();
            for (String member : s.getEnsembleMemberList()) {
                bookies.add(BookieId.parse(member));
            }
            b.newEnsembleEntry(s.getFirstEntryId(), bookies);
        }
        Map<String, byte[]> custom = new HashMap<>();
        f.getCustomMetadataList().forEach(c -> custom.put(c.getKey(), c.getValue().toByteArray()));
        b.withCustomMetadata(custom);
        if (f.getState() == LedgerMetadataFormat.State.CLOSED) {
            b.withClosedState();
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            throw new CorruptIndexException("jcloud index of ledger " + ledgerId + ": invalid ledger metadata ("
                    + e.getMessage() + ")");
        }
    }

    @Override
    public CompletableFuture<LedgerEntries> readAsync(long first, long last) {
        lastAccess = System.currentTimeMillis();
        if (first < 0 || last < first || last > metadata.getLastEntryId()) {
            return CompletableFuture.failedFuture(new BKException.BKIncorrectParameterException());
        }
        pendingReads.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<JcloudScanner.Slice> slices = scanner.read((start, end) -> {
                    byte[] bytes = store.getRange(dataKey, start, end);
                    metrics.getRequests.increment();
                    return bytes;
                }, first, last);
                List<LedgerEntry> entries = new ArrayList<>(slices.size());
                long bytes = 0;
                for (JcloudScanner.Slice s : slices) {
                    entries.add(LedgerEntryImpl.create(ledgerId, s.entryId(), s.length(),
                            Unpooled.wrappedBuffer(s.data(), s.offset(), s.length())));
                    bytes += s.length();
                }
                metrics.readBytes.add(bytes);
                metrics.readEntries.add(entries.size());
                return (LedgerEntries) LedgerEntriesImpl.create(entries);
            } catch (IOException e) {
                metrics.readErrors.increment();
                log.warn("[{}] ledger {} (jcloud format): reading entries {}..{} from s3://{}/{} failed: {}", topic,
                        ledgerId, first, last, store.bucket(), dataKey, e.getMessage());
                throw new UncheckedIOException(e);
            } finally {
                pendingReads.decrementAndGet();
            }
        }, io);
    }

    @Override
    public long getLastAddConfirmed() {
        return metadata.getLastEntryId();
    }

    @Override
    public long getLength() {
        return metadata.getLength();
    }

    @Override
    public long getId() {
        return ledgerId;
    }

    @Override
    public LedgerMetadata getLedgerMetadata() {
        return metadata;
    }

}
