package io.magnetar.offload.format;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.util.Locale;

/**
 * How entries are stored: as they are, or zstd-compressed (aircompressor, which the broker ships) when that makes
 * them smaller. Entries Pulsar clients compressed already, or that are random, stay as they are: compression never
 * makes an entry larger, and an entry must shrink by at least 1/32 to be stored compressed, so reads do not pay
 * decompression for nothing.
 */
public final class EntryCodec {
    public enum Kind { NONE, ZSTD }

    private final Kind kind;
    private final ZstdCompressor compressor;
    private byte[] scratch = new byte[0];

    private EntryCodec(Kind kind) {
        this.kind = kind;
        this.compressor = kind == Kind.ZSTD ? new ZstdCompressor() : null;
    }

    /** A codec for one writer (not thread-safe: it reuses its output buffer). */
    public static EntryCodec of(Kind kind) {
        return new EntryCodec(kind);
    }

    /** {@code none} or {@code zstd}, case-insensitive. */
    public static Kind parse(String key, String value) {
        if (value == null) {
            return Kind.NONE;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "none", "" -> Kind.NONE;
            case "zstd" -> Kind.ZSTD;
            default -> throw new IllegalArgumentException(key + ": '" + value + "' must be none or zstd");
        };
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Compresses {@code len} bytes of {@code in}; returns the compressed length (the bytes are in {@link #output()}),
     * or -1 when the entry is to be stored as it is.
     */
    public int compress(byte[] in, int off, int len) {
        if (kind == Kind.NONE || len < 64) {
            return -1;
        }
        int max = compressor.maxCompressedLength(len);
        if (scratch.length < max) {
            scratch = new byte[max];
        }
        int n = compressor.compress(in, off, len, scratch, 0, scratch.length);
        return n <= len - len / 32 ? n : -1;
    }

    /** The buffer holding the last {@link #compress} result. */
    public byte[] output() {
        return scratch;
    }

    /** Decompresses a stored entry of {@code rawLength} bytes. */
    public static byte[] decompress(byte[] in, int off, int len, int rawLength) throws CorruptIndexException {
        byte[] out = new byte[rawLength];
        int n;
        try {
            n = new ZstdDecompressor().decompress(in, off, len, out, 0, rawLength);
        } catch (MalformedInputException | IllegalArgumentException e) {
            throw new CorruptIndexException("a compressed entry does not decompress: " + e.getMessage());
        }
        if (n != rawLength) {
            throw new CorruptIndexException("a compressed entry decompressed to " + n + " bytes, expected " + rawLength);
        }
        return out;
    }
}
