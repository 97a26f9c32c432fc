package io.magnetar.offload.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Finds entries in a jcloud v1 data object with ranged reads. The jcloud index only knows where each (up to
 * 64 MiB) block starts, so the first read into a block walks its entry headers from the block start; every entry
 * header seen is remembered ({@code entryId -> offset}), so later reads, sequential or not, start at the exact
 * entry. Reads are windows of at most {@code windowBytes} (or one whole entry), never past a block's end.
 */
public final class JcloudScanner {
    private static final int ENTRY_HEADER = 4 + 8;

    /** Bytes {@code [start, end)} of the data object. */
    public interface RangeSource {
        byte[] read(long start, long end) throws IOException;
    }

    /** One entry's payload: {@code length} bytes of {@code data} from {@code offset}. */
    public record Slice(long entryId, byte[] data, int offset, int length) { }

    private final JcloudIndex index;
    private final long lastEntryId;
    private final long windowBytes;
    private final AtomicLongArray known;

    public JcloudScanner(JcloudIndex index, long lastEntryId, long windowBytes) {
        if (lastEntryId + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ledger with " + (lastEntryId + 1) + " entries");
        }
        this.index = index;
        this.lastEntryId = lastEntryId;
        this.windowBytes = windowBytes;
        this.known = new AtomicLongArray((int) Math.max(0, lastEntryId + 1));
        for (int i = 0; i < known.length(); i++) {
            known.set(i, -1);
        }
    }

    /** Entries {@code first..last} in order; the caller has checked the range is inside the ledger. */
    public List<Slice> read(RangeSource source, long first, long last) throws IOException {
        int block = index.blockOf(first);
        long pos = -1;
        for (long e = first; e >= index.blockFirstEntry(block) && pos < 0; e--) {
            pos = known.get((int) e);
        }
        Window w = new Window(source);
        if (pos < 0) {
            pos = enterBlock(w, block);
        }
        List<Slice> out = new ArrayList<>((int) (last - first + 1));
        long next = first;
        while (next <= last) {
            long end = index.blockEnd(block);
            if (pos + ENTRY_HEADER > end) { // only padding is left in this block
                pos = enterBlock(w, ++block, next);
                continue;
            }
            w.cover(pos, ENTRY_HEADER, end);
            int length = w.intAt(pos);
            if (length < 0) { // block-end padding
                pos = enterBlock(w, ++block, next);
                continue;
            }
            long entryId = w.longAt(pos + 4);
            if (pos + ENTRY_HEADER + length > end || entryId < 0 || entryId > lastEntryId) {
                throw new CorruptIndexException("jcloud data: bad entry header at offset " + pos + " (length "
                        + length + ", entry " + entryId + ")");
            }
            known.set((int) entryId, pos);
            if (entryId == next) {
                w.cover(pos + ENTRY_HEADER, length, end);
                out.add(new Slice(entryId, w.bytes, (int) (pos + ENTRY_HEADER - w.start), length));
                next++;
            } else if (entryId > next) {
                throw new CorruptIndexException("jcloud data: entry " + next + " missing, found " + entryId
                        + " at offset " + pos);
            }
            pos += ENTRY_HEADER + length;
        }
        return out;
    }

    private long enterBlock(Window w, int block, long wanted) throws IOException {
        if (block >= index.blockCount()) {
            throw new CorruptIndexException("jcloud data: entry " + wanted + " not found before the end of the data");
        }
        return enterBlock(w, block);
    }

    /** Reads from the block's start, checks its header, returns where its first entry header is. */
    private long enterBlock(Window w, int block) throws IOException {
        long start = index.blockStart(block);
        w.cover(start, (int) Math.min(index.headerLength() + ENTRY_HEADER, index.blockEnd(block) - start),
                index.blockEnd(block));
        int magic = w.intAt(start);
        long firstEntry = w.longAt(start + 4 + 8 + 8);
        if (magic != JcloudIndex.BLOCK_MAGIC || firstEntry != index.blockFirstEntry(block)) {
            throw new CorruptIndexException(String.format("jcloud data: block %d at offset %d has magic 0x%08X and"
                    + " first entry %d, index says entry %d", block, start, magic, firstEntry,
                    index.blockFirstEntry(block)));
        }
        return index.dataStart(block);
    }

    /** The bytes fetched last. */
    private final class Window {
        private final RangeSource source;
        private long start;
        private byte[] bytes = new byte[0];

        Window(RangeSource source) {
            this.source = source;
        }

        /** Makes {@code [pos, pos + need)} available, fetching from {@code pos} up to at most {@code limit}. */
        void cover(long pos, int need, long limit) throws IOException {
            if (pos >= start && pos + need <= start + bytes.length) {
                return;
            }
            long end = Math.min(limit, pos + Math.max(windowBytes, need));
            if (pos + need > end) {
                throw new CorruptIndexException("jcloud data: " + need + " bytes at offset " + pos
                        + " run past the block's end " + limit);
            }
            bytes = source.read(pos, end);
            start = pos;
        }

        int intAt(long pos) {
            return ByteBuffer.wrap(bytes, (int) (pos - start), 4).getInt();
        }

        long longAt(long pos) {
            return ByteBuffer.wrap(bytes, (int) (pos - start), 8).getLong();
        }
    }
}
