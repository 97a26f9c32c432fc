package io.magnetar.offload.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

public class EntryCodecTest {

    /** Text-like bytes (words and numbers), which zstd compresses well. */
    public static byte[] text(int bytes, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        String[] words = {"order", "customer", "amount", "currency", "EUR", "status", "shipped", "\"id\":", "{", "}"};
        while (b.length() < bytes) {
            b.append(words[r.nextInt(words.length)]).append(r.nextInt(1000)).append(' ');
        }
        return Arrays.copyOf(b.toString().getBytes(StandardCharsets.UTF_8), bytes);
    }

    @Test
    void compressibleEntriesShrinkAndRoundTrip() throws Exception {
        EntryCodec codec = EntryCodec.of(EntryCodec.Kind.ZSTD);
        byte[] entry = text(50_000, 1);
        byte[] framed = new byte[entry.length + 10];
        System.arraycopy(entry, 0, framed, 7, entry.length);
        int n = codec.compress(framed, 7, entry.length);
        assertTrue(n > 0 && n < entry.length / 2, "text compresses: " + n);
        byte[] stored = Arrays.copyOf(codec.output(), n);
        assertArrayEquals(entry, EntryCodec.decompress(stored, 0, n, entry.length));
    }

    @Test
    void incompressibleOrTinyEntriesAreStoredAsTheyAre() {
        EntryCodec codec = EntryCodec.of(EntryCodec.Kind.ZSTD);
        byte[] random = new byte[50_000];
        new Random(2).nextBytes(random);
        assertEquals(-1, codec.compress(random, 0, random.length), "never larger: random bytes stay raw");
        assertEquals(-1, codec.compress(new byte[40], 0, 40), "too small to bother");
        assertEquals(-1, EntryCodec.of(EntryCodec.Kind.NONE).compress(text(50_000, 3), 0, 50_000), "off");
    }

    @Test
    void aDamagedCompressedEntryIsCorruptNotGarbage() {
        EntryCodec codec = EntryCodec.of(EntryCodec.Kind.ZSTD);
        byte[] entry = text(20_000, 4);
        int n = codec.compress(entry, 0, entry.length);
        byte[] stored = Arrays.copyOf(codec.output(), n);
        assertThrows(CorruptIndexException.class, () -> EntryCodec.decompress(stored, 0, n, entry.length + 1));
        assertThrows(CorruptIndexException.class, () -> EntryCodec.decompress(stored, 0, n / 2, entry.length));
    }

    @Test
    void theSettingIsNoneOrZstd() {
        assertEquals(EntryCodec.Kind.NONE, EntryCodec.parse("k", null));
        assertEquals(EntryCodec.Kind.ZSTD, EntryCodec.parse("k", " Zstd "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EntryCodec.parse("Key", "gzip"));
        assertTrue(e.getMessage().contains("Key"), e.getMessage());
    }
}
