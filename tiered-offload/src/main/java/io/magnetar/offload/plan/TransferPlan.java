package io.magnetar.offload.plan;

import io.magnetar.offload.format.LedgerIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * Sizes for moving one ledger: multipart part size, BookKeeper read batches, and how a read of a run of entries
 * splits into ranged GETs. Pure arithmetic on the ledger's shape and the configured limits.
 */
public final class TransferPlan {
    /** S3: every part but the last must be at least 5 MiB; at most 10,000 parts; a part at most 5 GiB. */
    public static final long MIN_PART_BYTES = 5L * 1024 * 1024;
    public static final long MAX_PART_BYTES = 5L * 1024 * 1024 * 1024;
    public static final int MAX_PARTS = 10_000;
    private static final long MIB = 1024 * 1024;

    private TransferPlan() {
    }

    /**
     * The part size for a ledger of {@code ledgerBytes}: the configured size, grown (in whole MiB) only when the
     * ledger would otherwise need more than {@link #MAX_PARTS} parts. Our buffers are byte arrays, so the result is
     * capped at {@link Integer#MAX_VALUE} rounded down to a MiB.
     */
    public static int partSize(long configuredPartBytes, long ledgerBytes) {
        if (configuredPartBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("part size " + configuredPartBytes + " below S3's minimum " + MIN_PART_BYTES);
        }
        long needed = (Math.max(0, ledgerBytes) + MAX_PARTS - 1) / MAX_PARTS;
        long size = Math.max(configuredPartBytes, (needed + MIB - 1) / MIB * MIB);
        long cap = Integer.MAX_VALUE / MIB * MIB;
        if (size > cap) {
            throw new IllegalArgumentException("ledger of " + ledgerBytes + " bytes needs parts larger than " + cap);
        }
        return (int) size;
    }

    /**
     * Whether a ledger of {@code ledgerBytes} goes up as one PUT rather than a multipart upload: up to
     * {@code singlePutMaxBytes}, the two extra round trips of a multipart upload (create, complete) cost more than
     * parallel parts save.
     */
    public static boolean singleObject(long ledgerBytes, long singlePutMaxBytes) {
        return ledgerBytes <= singlePutMaxBytes;
    }

    /** Entries per BookKeeper read so one read returns about {@code targetBytes}: at least 1, at most 1000. */
    public static int entriesPerRead(long ledgerBytes, long entryCount, long targetBytes) {
        if (entryCount <= 0) {
            return 1;
        }
        long avg = Math.max(1, ledgerBytes / entryCount);
        return (int) Math.max(1, Math.min(1000, targetBytes / avg));
    }

    /** One ranged GET: entries {@code first..last}, bytes {@code [start, end)} of the data object. */
    public record Chunk(long first, long last, long start, long end) {
        public int bytes() {
            return (int) (end - start);
        }
    }

    /**
     * Splits a read of entries {@code first..last} into GETs of whole entries, each at most {@code maxChunkBytes}
     * unless a single entry is larger (then that entry alone). Chunks are contiguous and in order.
     */
    public static List<Chunk> readChunks(LedgerIndex index, long first, long last, long maxChunkBytes) {
        if (first < 0 || last < first || last > index.lastEntryId()) {
            throw new IndexOutOfBoundsException("entries " + first + ".." + last + " not in ledger "
                    + index.ledgerId() + " (last entry " + index.lastEntryId() + ")");
        }
        List<Chunk> chunks = new ArrayList<>();
        long chunkFirst = first;
        long chunkStart = index.offset(first);
        for (long e = first; e <= last; e++) {
            long end = index.rangeEnd(e);
            boolean lastEntry = e == last;
            long nextEnd = lastEntry ? Long.MAX_VALUE : index.rangeEnd(e + 1);
            if (lastEntry || nextEnd - chunkStart > maxChunkBytes) {
                chunks.add(new Chunk(chunkFirst, e, chunkStart, end));
                chunkFirst = e + 1;
                chunkStart = end;
            }
        }
        return chunks;
    }
}
