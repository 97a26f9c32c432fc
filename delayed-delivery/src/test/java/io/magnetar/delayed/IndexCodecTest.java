package io.magnetar.delayed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IndexCodecTest {
    @Test
    void chunkRoundTripsSortedTriplesAcrossLedgers() {
        TripleBuffer buffer = new TripleBuffer(4);
        Random random = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            buffer.add(1_700_000_000_000L + random.nextInt(3_600_000), 10 + random.nextInt(4), random.nextInt(50_000));
        }
        buffer.add(Long.MAX_VALUE, Long.MAX_VALUE, 0xFFFF_FFFFL);
        buffer.sort();
        byte[] chunk = IndexCodec.encodeChunk(buffer, 0, buffer.size());
        List<long[]> decoded = new ArrayList<>();
        int count = assertDoesNotThrowCount(chunk, decoded);
        assertEquals(buffer.size(), count);
        for (int i = 0; i < buffer.size(); i++) {
            assertArrayEquals(new long[] {buffer.time(i), buffer.ledger(i), buffer.entry(i)}, decoded.get(i));
        }
        for (int i = 1; i < buffer.size(); i++) {
            assertTrue(TripleHeap.less(buffer.time(i - 1), buffer.ledger(i - 1), buffer.entry(i - 1),
                    buffer.time(i), buffer.ledger(i), buffer.entry(i))
                    || buffer.time(i - 1) == buffer.time(i) && buffer.ledger(i - 1) == buffer.ledger(i)
                    && buffer.entry(i - 1) == buffer.entry(i), "sorted at " + i);
        }
    }

    @Test
    void consecutiveEntriesEncodeInAFewBytesEach() {
        TripleBuffer buffer = new TripleBuffer(16);
        for (int i = 0; i < 2_048; i++) {
            buffer.add(1_700_000_000_000L + i * 1_700L, 42, i);
        }
        byte[] chunk = IndexCodec.encodeChunk(buffer, 0, buffer.size());
        assertTrue(chunk.length < 2_048 * 5, chunk.length + " bytes");
    }

    @Test
    void damagedChunkOrSummaryIsReportedNotDecoded() {
        TripleBuffer buffer = new TripleBuffer(4);
        buffer.add(5, 1, 1);
        buffer.add(6, 1, 2);
        byte[] chunk = IndexCodec.encodeChunk(buffer, 0, 2);
        chunk[chunk.length - 6] ^= 1;
        assertThrows(CorruptIndexException.class, () -> IndexCodec.decodeChunk(chunk, (t, l, e) -> { }));
        assertThrows(CorruptIndexException.class, () -> IndexCodec.decodeChunk(new byte[3], (t, l, e) -> { }));
        RoaringBitmapByLedger positions = new RoaringBitmapByLedger();
        positions.add(1, 1);
        byte[] summary = IndexCodec.encodeSummary(new IndexCodec.Summary(
                List.of(new IndexCodec.ChunkMeta(5, 6, 2)), chunk.length, positions));
        byte[] wrongMagic = summary.clone();
        wrongMagic[0] = 0;
        assertThrows(CorruptIndexException.class, () -> IndexCodec.decodeSummary(wrongMagic));
        assertThrows(CorruptIndexException.class, () -> IndexCodec.decodeChunk(summary, (t, l, e) -> { }));
    }

    @Test
    void summaryRoundTrips() throws Exception {
        RoaringBitmapByLedger positions = new RoaringBitmapByLedger();
        for (int e = 0; e < 10_000; e++) {
            positions.add(7, e);
        }
        positions.add(9, 0xFFFF_FFFFL);
        positions.runOptimize();
        IndexCodec.Summary summary = new IndexCodec.Summary(
                List.of(new IndexCodec.ChunkMeta(1, 2, 3), new IndexCodec.ChunkMeta(4, 5, 6)), 123, positions);
        byte[] data = IndexCodec.encodeSummary(summary);
        assertTrue(data.length < 200, "runs compress: " + data.length);
        IndexCodec.Summary back = IndexCodec.decodeSummary(data);
        assertEquals(summary.chunks(), back.chunks());
        assertEquals(123, back.chunkBytes());
        assertEquals(10_001, back.positions().cardinality());
        assertTrue(back.positions().contains(9, 0xFFFF_FFFFL));
    }

    private static int assertDoesNotThrowCount(byte[] chunk, List<long[]> out) {
        try {
            return IndexCodec.decodeChunk(chunk, (t, l, e) -> out.add(new long[] {t, l, e}));
        } catch (CorruptIndexException e) {
            throw new AssertionError(e);
        }
    }
}
