package io.magnetar.offload.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JcloudScannerTest {

    private static List<byte[]> entries(int count, int min, int max, long seed) {
        Random r = new Random(seed);
        List<byte[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] e = new byte[min + r.nextInt(max - min + 1)];
            r.nextBytes(e);
            list.add(e);
        }
        return list;
    }

    /** Serves ranges of a byte array and records every request. */
    private static final class Source implements JcloudScanner.RangeSource {
        final byte[] data;
        final List<long[]> requests = new ArrayList<>();

        Source(byte[] data) {
            this.data = data;
        }

        @Override
        public byte[] read(long start, long end) {
            requests.add(new long[] {start, end});
            return Arrays.copyOfRange(data, (int) start, (int) end);
        }
    }

    private static void assertEntries(List<byte[]> expected, List<JcloudScanner.Slice> slices, long first) {
        for (int i = 0; i < slices.size(); i++) {
            JcloudScanner.Slice s = slices.get(i);
            assertEquals(first + i, s.entryId());
            assertArrayEquals(expected.get((int) (first + i)),
                    Arrays.copyOfRange(s.data(), s.offset(), s.offset() + s.length()), "entry " + s.entryId());
        }
    }

    @Test
    void indexDecodesBlocks() throws Exception {
        List<byte[]> list = entries(100, 100, 300, 1);
        JcloudFormat f = JcloudFormat.write(list, 4096);
        JcloudIndex index = JcloudIndex.decode(f.index, 7);
        assertEquals(f.blockOffsets.size(), index.blockCount());
        assertTrue(index.blockCount() > 5, "several blocks: " + index.blockCount());
        assertEquals(f.data.length, index.dataObjectLength());
        assertEquals(128, index.headerLength());
        assertEquals(0, index.blockOf(0));
        assertEquals(index.blockCount() - 1, index.blockOf(99));
        assertEquals(1, index.blockOf(index.blockFirstEntry(1)));
        assertEquals(0, index.blockOf(index.blockFirstEntry(1) - 1));
        assertArrayEquals(JcloudFormat.metadata(list).toByteArray(), index.ledgerMetadata());
    }

    @Test
    void corruptIndexesAreRefused() {
        byte[] index = JcloudFormat.write(entries(10, 10, 20, 2), 1024).index;
        byte[] badMagic = index.clone();
        badMagic[0] = 0;
        assertThrows(CorruptIndexException.class, () -> JcloudIndex.decode(badMagic, 1));
        assertThrows(CorruptIndexException.class, () -> JcloudIndex.decode(Arrays.copyOf(index, index.length - 3), 1));
        assertThrows(CorruptIndexException.class, () -> JcloudIndex.decode(new byte[10], 1));
    }

    @Test
    void readsEveryRangeByteExactAcrossBlocksAndPadding() throws Exception {
        List<byte[]> list = entries(200, 50, 700, 3);
        JcloudFormat f = JcloudFormat.write(list, 8192);
        JcloudIndex index = JcloudIndex.decode(f.index, 7);
        Random r = new Random(4);
        for (int i = 0; i < 50; i++) {
            JcloudScanner scanner = new JcloudScanner(index, 199, 1024 + r.nextInt(4096));
            long first = r.nextInt(200);
            long last = first + r.nextInt((int) (200 - first));
            List<JcloudScanner.Slice> slices = scanner.read(new Source(f.data), first, last);
            assertEquals(last - first + 1, slices.size());
            assertEntries(list, slices, first);
        }
        JcloudScanner all = new JcloudScanner(index, 199, 64 * 1024);
        assertEntries(list, all.read(new Source(f.data), 0, 199), 0);
    }

    @Test
    void aSecondReadStartsAtTheRememberedEntry() throws Exception {
        List<byte[]> list = entries(100, 100, 100, 5);
        JcloudFormat f = JcloudFormat.write(list, 1 << 20); // one block
        JcloudScanner scanner = new JcloudScanner(JcloudIndex.decode(f.index, 7), 99, 1 << 20);
        Source source = new Source(f.data);
        scanner.read(source, 0, 49);
        source.requests.clear();
        assertEntries(list, scanner.read(source, 50, 59), 50);
        // entry 49 is the last whose header the first read saw: the second starts there, not at the block start
        long entry49 = 128 + 49L * (12 + 100);
        assertEquals(entry49, source.requests.get(0)[0], "no re-read of the block's first 49 entries");
        assertEquals(1, source.requests.size());
    }

    @Test
    void entriesLargerThanTheWindowAreFetchedWhole() throws Exception {
        List<byte[]> list = entries(20, 5000, 9000, 6);
        JcloudFormat f = JcloudFormat.write(list, 64 * 1024);
        JcloudScanner scanner = new JcloudScanner(JcloudIndex.decode(f.index, 7), 19, 1024);
        assertEntries(list, scanner.read(new Source(f.data), 0, 19), 0);
    }

    @Test
    void aWrongBlockOrEntryIsReportedNotReturned() {
        List<byte[]> list = entries(60, 100, 100, 7);
        JcloudFormat f = JcloudFormat.write(list, 2048);
        byte[] data = f.data.clone();
        data[f.blockOffsets.get(1).intValue()] ^= 1; // second block's magic
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> new JcloudScanner(
                JcloudIndex.decode(f.index, 7), 59, 4096).read(new Source(data), 0, 59));
        assertTrue(e.getMessage().contains("block 1"), e.getMessage());

        byte[] skipped = f.data.clone();
        int entry1 = 128 + 12 + 100; // header of entry 1 in block 0: overwrite its id with 2
        java.nio.ByteBuffer.wrap(skipped, entry1 + 4, 8).putLong(2);
        CorruptIndexException missing = assertThrows(CorruptIndexException.class, () -> new JcloudScanner(
                JcloudIndex.decode(f.index, 7), 59, 4096).read(new Source(skipped), 0, 5));
        assertTrue(missing.getMessage().contains("entry 1 missing"), missing.getMessage());
    }
}
