package io.magnetar.offload.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LedgerIndexTest {

    private static LedgerIndex sample() {
        LedgerIndex.Builder b = LedgerIndex.builder(42).ledgerMetadata(new byte[] {1, 2, 3})
                .userMetadata(Map.of("ManagedLedgerName", "public/default/persistent/tópico"));
        b.add(0, 10, 111).add(1, 0, 222).add(2, 5, 333);
        return b.build();
    }

    @Test
    void offsetsAndLengthsFollowTheEntries() {
        LedgerIndex index = sample();
        assertEquals(3, index.entryCount());
        assertEquals(2, index.lastEntryId());
        assertEquals(15, index.dataLength());
        assertEquals(0, index.offset(0));
        assertEquals(10, index.offset(1));
        assertEquals(10, index.offset(2));
        assertEquals(10, index.rangeEnd(1));
        assertEquals(15, index.rangeEnd(2));
        assertEquals(5, index.length(2));
        assertEquals(333, index.checksum(2));
        assertThrows(IndexOutOfBoundsException.class, () -> index.offset(3));
        assertThrows(IndexOutOfBoundsException.class, () -> index.offset(-1));
    }

    @Test
    void encodeDecodeRoundTrips() throws Exception {
        LedgerIndex index = sample();
        LedgerIndex back = LedgerIndex.decode(index.encode(), 42);
        assertEquals(index.entryCount(), back.entryCount());
        assertEquals(index.dataLength(), back.dataLength());
        for (long e = 0; e <= 2; e++) {
            assertEquals(index.offset(e), back.offset(e));
            assertEquals(index.length(e), back.length(e));
            assertEquals(index.checksum(e), back.checksum(e));
        }
        assertArrayEquals(new byte[] {1, 2, 3}, back.ledgerMetadata());
        assertEquals("public/default/persistent/tópico", back.userMetadata().get("ManagedLedgerName"));
    }

    @Test
    void emptyLedgerRoundTrips() throws Exception {
        LedgerIndex empty = LedgerIndex.builder(7).build();
        LedgerIndex back = LedgerIndex.decode(empty.encode(), 7);
        assertEquals(0, back.entryCount());
        assertEquals(-1, back.lastEntryId());
        assertEquals(0, back.dataLength());
    }

    @Test
    void everyFlippedByteIsDetected() {
        byte[] encoded = sample().encode();
        for (int i = 0; i < encoded.length; i++) {
            byte[] bad = encoded.clone();
            bad[i] ^= 0x10;
            assertThrows(CorruptIndexException.class, () -> LedgerIndex.decode(bad, 42), "byte " + i);
        }
    }

    @Test
    void truncatedOrForeignIndexesAreRefused() {
        byte[] encoded = sample().encode();
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 9);
        assertThrows(CorruptIndexException.class, () -> LedgerIndex.decode(truncated, 42));
        CorruptIndexException other = assertThrows(CorruptIndexException.class, () -> LedgerIndex.decode(encoded, 43));
        assertTrue(other.getMessage().contains("ledger 42"), other.getMessage());
        byte[] text = "not an index at all, just some text long enough".getBytes(StandardCharsets.UTF_8);
        assertThrows(CorruptIndexException.class, () -> LedgerIndex.decode(text, 42));
    }

    @Test
    void builderRequiresConsecutiveEntryIds() {
        LedgerIndex.Builder b = LedgerIndex.builder(1).add(0, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.add(2, 1, 0));
        assertTrue(e.getMessage().contains("expected entry 1"), e.getMessage());
    }

    @Test
    void builderGrowsPastItsInitialCapacity() throws Exception {
        LedgerIndex.Builder b = LedgerIndex.builder(9);
        for (int i = 0; i < 5000; i++) {
            b.add(i, i % 17, i);
        }
        LedgerIndex back = LedgerIndex.decode(b.build().encode(), 9);
        assertEquals(5000, back.entryCount());
        assertEquals(4999 % 17, back.length(4999));
        assertEquals(4999, back.checksum(4999));
    }

    @Test
    void compressedEntriesRecordTheirOriginalLengthsInVersion2() throws Exception {
        LedgerIndex.Builder b = LedgerIndex.builder(9);
        for (int i = 0; i < 1500; i++) {
            // every third entry compressed from 300 to 100 bytes, the rest stored as they were
            if (i % 3 == 1) {
                b.add(i, 100, i, 300);
            } else {
                b.add(i, 200, i);
            }
        }
        LedgerIndex index = LedgerIndex.decode(b.build().encode(), 9);
        assertEquals(500 * 100 + 1000 * 200, index.dataLength(), "stored bytes");
        assertEquals(500 * 300 + 1000 * 200, index.entryBytes(), "the ledger's own bytes");
        assertTrue(index.compressed(1));
        assertFalse(index.compressed(0));
        assertEquals(300, index.rawLength(1));
        assertEquals(100, index.length(1));
        assertEquals(200, index.rawLength(2));
        assertEquals(300, index.offset(2), "offsets count stored bytes");
        byte[] plain = LedgerIndex.builder(9).add(0, 5, 1).build().encode();
        assertEquals(LedgerIndex.VERSION, java.nio.ByteBuffer.wrap(plain).getInt(4), "version 1 without compression");
        assertEquals(LedgerIndex.VERSION_COMPRESSED, java.nio.ByteBuffer.wrap(b.build().encode()).getInt(4));
    }

    @Test
    void crc32cMatchesTheKnownCheckValue() {
        // CRC-32C of "123456789" is 0xE3069283
        byte[] data = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, LedgerIndex.crc32c(data, 0, data.length));
    }
}
