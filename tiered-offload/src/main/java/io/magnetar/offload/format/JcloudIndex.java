package io.magnetar.offload.format;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The index object Pulsar's jcloud offloader (format v1) writes next to a ledger's data object
 * ({@code <uid>-ledger-<id>-index}): magic {@code 0xDE47DE47}, index length, data object length, block header
 * length, block count, the ledger's metadata (BookKeeper {@code LedgerMetadataFormat} protobuf), then one
 * {@code (firstEntryId, partId, blockOffset)} per data block. Blocks are contiguous in the data object; each starts
 * with a header of {@link #headerLength()} bytes, then entries {@code [int length][long entryId][payload]}, then
 * padding (repeated {@code 0xFEDCDEAD}) up to the next block.
 */
public final class JcloudIndex {
    public static final int MAGIC = 0xDE47DE47;
    public static final int BLOCK_MAGIC = 0xFBDBABCB;
    /** Bytes before a block's first entry: magic, header length, block length, first entry id, zero padding. */
    public static final int BLOCK_HEADER_FIELDS = 4 + 8 + 8 + 8;

    private final long dataObjectLength;
    private final long headerLength;
    private final long[] firstEntry;
    private final long[] offset;
    private final byte[] ledgerMetadata;

    private JcloudIndex(long dataObjectLength, long headerLength, long[] firstEntry, long[] offset, byte[] meta) {
        this.dataObjectLength = dataObjectLength;
        this.headerLength = headerLength;
        this.firstEntry = firstEntry;
        this.offset = offset;
        this.ledgerMetadata = meta;
    }

    public static JcloudIndex decode(byte[] data, long ledgerId) throws CorruptIndexException {
        ByteBuffer in = ByteBuffer.wrap(data);
        String what = "jcloud index of ledger " + ledgerId;
        try {
            int magic = in.getInt();
            if (magic != MAGIC) {
                throw new CorruptIndexException(String.format("%s: magic 0x%08X, expected 0x%08X", what, magic, MAGIC));
            }
            in.getInt(); // index length: not needed, the object's length is authoritative
            long dataLength = in.getLong();
            long headerLength = in.getLong();
            int count = in.getInt();
            int metaLength = in.getInt();
            if (count < 1 || metaLength < 0 || metaLength > in.remaining() || headerLength < BLOCK_HEADER_FIELDS
                    || dataLength < headerLength) {
                throw new CorruptIndexException(what + " has bad sizes (blocks " + count + ", metadata " + metaLength
                        + ", header " + headerLength + ", data " + dataLength + ")");
            }
            byte[] meta = new byte[metaLength];
            in.get(meta);
            if (in.remaining() < (long) count * 20) {
                throw new CorruptIndexException(what + " is truncated: " + count + " blocks announced");
            }
            long[] first = new long[count];
            long[] off = new long[count];
            for (int i = 0; i < count; i++) {
                first[i] = in.getLong();
                in.getInt(); // part id: blocks are found by offset
                off[i] = in.getLong();
                if (i == 0 ? off[i] != 0 || first[i] != 0 : off[i] <= off[i - 1] || first[i] <= first[i - 1]) {
                    throw new CorruptIndexException(what + ": block " + i + " (entry " + first[i] + ", offset "
                            + off[i] + ") out of order");
                }
                if (off[i] + headerLength > dataLength) {
                    throw new CorruptIndexException(what + ": block " + i + " starts past the data object's end");
                }
            }
            return new JcloudIndex(dataLength, headerLength, first, off, meta);
        } catch (BufferUnderflowException e) {
            throw new CorruptIndexException(what + " is truncated");
        }
    }

    public int blockCount() {
        return offset.length;
    }

    public long dataObjectLength() {
        return dataObjectLength;
    }

    public long headerLength() {
        return headerLength;
    }

    /** The serialized {@code LedgerMetadataFormat} protobuf. */
    public byte[] ledgerMetadata() {
        return ledgerMetadata.clone();
    }

    /** The block holding {@code entryId}: the last block whose first entry is not after it. */
    public int blockOf(long entryId) {
        int i = Arrays.binarySearch(firstEntry, entryId);
        return i >= 0 ? i : Math.max(0, -i - 2);
    }

    public long blockFirstEntry(int block) {
        return firstEntry[block];
    }

    public long blockStart(int block) {
        return offset[block];
    }

    /** Where the block's first entry header starts. */
    public long dataStart(int block) {
        return offset[block] + headerLength;
    }

    /** One past the block's last byte: the next block's start, or the end of the data object. */
    public long blockEnd(int block) {
        return block + 1 < offset.length ? offset[block + 1] : dataObjectLength;
    }
}
