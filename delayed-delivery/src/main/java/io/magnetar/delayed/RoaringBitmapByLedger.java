package io.magnetar.delayed;

import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.roaringbitmap.RoaringBitmap;

/**
 * A set of positions: one compressed bitmap of entry ids per ledger. Consecutive delayed entries (the common case)
 * compress to a few bytes per run; entry ids are unsigned 32-bit values, far above what a ledger holds.
 */
final class RoaringBitmapByLedger {
    private static final long MAX_ENTRY_ID = 0xFFFF_FFFFL;

    private final Long2ObjectOpenHashMap<RoaringBitmap> ledgers = new Long2ObjectOpenHashMap<>();
    private long cardinality;

    static boolean indexable(long entryId) {
        return entryId >= 0 && entryId <= MAX_ENTRY_ID;
    }

    boolean contains(long ledgerId, long entryId) {
        RoaringBitmap bitmap = ledgers.get(ledgerId);
        return bitmap != null && indexable(entryId) && bitmap.contains((int) entryId);
    }

    /** @return false when the position was already present */
    boolean add(long ledgerId, long entryId) {
        RoaringBitmap bitmap = ledgers.get(ledgerId);
        if (bitmap == null) {
            bitmap = new RoaringBitmap();
            ledgers.put(ledgerId, bitmap);
        }
        if (bitmap.checkedAdd((int) entryId)) {
            cardinality++;
            return true;
        }
        return false;
    }

    /** @return false when the position was not present */
    boolean remove(long ledgerId, long entryId) {
        RoaringBitmap bitmap = ledgers.get(ledgerId);
        // contains + remove: checkedRemove counts a run container's cardinality twice, O(runs) per call
        if (bitmap == null || !bitmap.contains((int) entryId)) {
            return false;
        }
        bitmap.remove((int) entryId);
        cardinality--;
        if (bitmap.isEmpty()) {
            ledgers.remove(ledgerId);
        }
        return true;
    }

    /** Adds every position of {@code other}; returns how many were new. */
    long addAll(RoaringBitmapByLedger other) {
        long added = 0;
        for (Long2ObjectMap.Entry<RoaringBitmap> e : other.ledgers.long2ObjectEntrySet()) {
            RoaringBitmap mine = ledgers.get(e.getLongKey());
            if (mine == null) {
                mine = new RoaringBitmap();
                ledgers.put(e.getLongKey(), mine);
            }
            long before = mine.getLongCardinality();
            mine.or(e.getValue());
            // a held set loses positions one by one: array and bitmap containers do that in O(1), runs do not
            mine.removeRunCompression();
            added += mine.getLongCardinality() - before;
        }
        cardinality += added;
        return added;
    }

    /** Removes every position of {@code other}; returns how many were present. */
    long removeAll(RoaringBitmapByLedger other) {
        long removed = 0;
        for (Long2ObjectMap.Entry<RoaringBitmap> e : other.ledgers.long2ObjectEntrySet()) {
            RoaringBitmap mine = ledgers.get(e.getLongKey());
            if (mine == null) {
                continue;
            }
            long before = mine.getLongCardinality();
            mine.andNot(e.getValue());
            removed += before - mine.getLongCardinality();
            if (mine.isEmpty()) {
                ledgers.remove(e.getLongKey());
            }
        }
        cardinality -= removed;
        return removed;
    }

    /** Removes every position up to and including (ledgerId, entryId); returns how many were present. */
    long removeThrough(long ledgerId, long entryId) {
        long removed = 0;
        for (var it = ledgers.long2ObjectEntrySet().iterator(); it.hasNext(); ) {
            Long2ObjectMap.Entry<RoaringBitmap> e = it.next();
            RoaringBitmap bitmap = e.getValue();
            if (e.getLongKey() < ledgerId) {
                removed += bitmap.getLongCardinality();
                it.remove();
            } else if (e.getLongKey() == ledgerId && entryId >= 0) {
                long before = bitmap.getLongCardinality();
                bitmap.remove(0L, Math.min(entryId, MAX_ENTRY_ID) + 1);
                removed += before - bitmap.getLongCardinality();
                if (bitmap.isEmpty()) {
                    it.remove();
                }
            }
        }
        cardinality -= removed;
        return removed;
    }

    long cardinality() {
        return cardinality;
    }


    void clear() {
        ledgers.clear();
        cardinality = 0;
    }

    void runOptimize() {
        for (RoaringBitmap bitmap : ledgers.values()) {
            bitmap.runOptimize();
        }
    }

    long sizeInBytes() {
        long bytes = 16L * ledgers.size();
        for (RoaringBitmap bitmap : ledgers.values()) {
            bytes += bitmap.getLongSizeInBytes();
        }
        return bytes;
    }

    void serialize(DataOutput out) throws IOException {
        out.writeInt(ledgers.size());
        for (Long2ObjectMap.Entry<RoaringBitmap> e : ledgers.long2ObjectEntrySet()) {
            out.writeLong(e.getLongKey());
            e.getValue().serialize(out);
        }
    }

    static RoaringBitmapByLedger deserialize(DataInput in) throws IOException {
        RoaringBitmapByLedger result = new RoaringBitmapByLedger();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative ledger count " + count);
        }
        for (int i = 0; i < count; i++) {
            long ledgerId = in.readLong();
            RoaringBitmap bitmap = new RoaringBitmap();
            bitmap.deserialize(in);
            result.ledgers.put(ledgerId, bitmap);
            result.cardinality += bitmap.getLongCardinality();
        }
        return result;
    }
}
