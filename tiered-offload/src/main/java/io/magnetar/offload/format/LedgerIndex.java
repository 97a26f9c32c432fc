package io.magnetar.offload.format;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The dense index of one offloaded ledger: for every entry (ids 0..n-1) its length and CRC32C, so the byte range
 * of any run of entries in the data object is known exactly and every entry is verified when read back. Also
 * carries the ledger's serialized BookKeeper metadata and the offload's user metadata.
 *
 * <p>Encoded layout (big-endian): magic {@code "MGI1"}, version, ledger id, entry count, data length, metadata
 * length + bytes, user-metadata count + (key, value) strings (u16 length + UTF-8), {@code int[n]} entry lengths, {@code int[n]}
 * CRC32C values, and a CRC32C of everything before it.
 *
 * <p>Version 2 (written only with compression on) adds {@code int[n]} original lengths after the CRC32C values: for
 * an entry stored zstd-compressed its length before compression, -1 for one stored as it was. Lengths and offsets
 * are then those of the stored bytes; the CRC32C is always of the original entry.
 */
public final class LedgerIndex {
    public static final int MAGIC = 0x4D474931; // "MGI1"
    public static final int VERSION = 1;
    public static final int VERSION_COMPRESSED = 2;
    private static final int RAW = -1;

    private final long ledgerId;
    private final int[] lengths;
    private final int[] checksums;
    private final long[] offsets; // n + 1 prefix sums
    private final int[] rawLengths; // null in version 1
    private final long entryBytes;
    private final byte[] ledgerMetadata;
    private final Map<String, String> userMetadata;

    private LedgerIndex(long ledgerId, int[] lengths, int[] checksums, int[] rawLengths, byte[] ledgerMetadata,
                        Map<String, String> userMetadata) {
        this.ledgerId = ledgerId;
        this.lengths = lengths;
        this.checksums = checksums;
        this.rawLengths = rawLengths;
        this.ledgerMetadata = ledgerMetadata;
        this.userMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(userMetadata));
        this.offsets = new long[lengths.length + 1];
        long raw = 0;
        for (int i = 0; i < lengths.length; i++) {
            offsets[i + 1] = offsets[i] + lengths[i];
            raw += rawLengths != null && rawLengths[i] != RAW ? rawLengths[i] : lengths[i];
        }
        this.entryBytes = raw;
    }

    /** The ledger's entry bytes as BookKeeper held them (the data length unless entries are compressed). */
    public long entryBytes() {
        return entryBytes;
    }

    /** Whether the entry is stored zstd-compressed. */
    public boolean compressed(long entryId) {
        return rawLengths != null && rawLengths[checkEntry(entryId)] != RAW;
    }

    /** The entry's length before compression (its stored length when not compressed). */
    public int rawLength(long entryId) {
        int i = checkEntry(entryId);
        return rawLengths != null && rawLengths[i] != RAW ? rawLengths[i] : lengths[i];
    }

    public long ledgerId() {
        return ledgerId;
    }

    public int entryCount() {
        return lengths.length;
    }

    /** The id of the last entry, -1 for an empty ledger. */
    public long lastEntryId() {
        return lengths.length - 1L;
    }

    /** Bytes in the data object: the sum of all entry lengths. */
    public long dataLength() {
        return offsets[lengths.length];
    }

    /** Where entry {@code entryId} starts in the data object. */
    public long offset(long entryId) {
        return offsets[checkEntry(entryId)];
    }

    public int length(long entryId) {
        return lengths[checkEntry(entryId)];
    }

    public int checksum(long entryId) {
        return checksums[checkEntry(entryId)];
    }

    /** One past the last byte of {@code last}: a range of entries is [offset(first), rangeEnd(last)). */
    public long rangeEnd(long last) {
        return offsets[checkEntry(last) + 1];
    }

    public byte[] ledgerMetadata() {
        return ledgerMetadata.clone();
    }

    public Map<String, String> userMetadata() {
        return userMetadata;
    }

    private int checkEntry(long entryId) {
        if (entryId < 0 || entryId >= lengths.length) {
            throw new IndexOutOfBoundsException("entry " + entryId + " not in ledger " + ledgerId
                    + " (entries 0.." + (lengths.length - 1) + ")");
        }
        return (int) entryId;
    }

    /** CRC32C of {@code len} bytes of {@code data} from {@code off}: the checksum the index stores. */
    public static int crc32c(byte[] data, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(data, off, len);
        return (int) crc.getValue();
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + ledgerMetadata.length + lengths.length * 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(rawLengths == null ? VERSION : VERSION_COMPRESSED);
            out.writeLong(ledgerId);
            out.writeInt(lengths.length);
            out.writeLong(dataLength());
            out.writeInt(ledgerMetadata.length);
            out.write(ledgerMetadata);
            out.writeInt(userMetadata.size());
            for (Map.Entry<String, String> e : userMetadata.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            for (int len : lengths) {
                out.writeInt(len);
            }
            for (int crc : checksums) {
                out.writeInt(crc);
            }
            if (rawLengths != null) {
                for (int raw : rawLengths) {
                    out.writeInt(raw);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // never: in-memory stream
        }
        byte[] body = bytes.toByteArray();
        byte[] result = Arrays.copyOf(body, body.length + 4);
        ByteBuffer.wrap(result, body.length, 4).putInt(crc32c(body, 0, body.length));
        return result;
    }

    /**
     * Decodes and validates an index object.
     *
     * @param expectedLedgerId the ledger the caller asked for: an index of another ledger is refused
     * @throws CorruptIndexException when the bytes are not a complete, intact index of that ledger
     */
    public static LedgerIndex decode(byte[] data, long expectedLedgerId) throws CorruptIndexException {
        if (data.length < 40) {
            throw new CorruptIndexException("index of ledger " + expectedLedgerId + " too short: " + data.length + " bytes");
        }
        int stored = ByteBuffer.wrap(data, data.length - 4, 4).getInt();
        if (stored != crc32c(data, 0, data.length - 4)) {
            throw new CorruptIndexException("index of ledger " + expectedLedgerId + " fails its checksum");
        }
        ByteBuffer in = ByteBuffer.wrap(data, 0, data.length - 4);
        try {
            int magic = in.getInt();
            if (magic != MAGIC) {
                throw new CorruptIndexException(String.format("not a Magnetar index (magic 0x%08X)", magic));
            }
            int version = in.getInt();
            if (version != VERSION && version != VERSION_COMPRESSED) {
                throw new CorruptIndexException("unsupported index version " + version);
            }
            long ledgerId = in.getLong();
            if (ledgerId != expectedLedgerId) {
                throw new CorruptIndexException("index is of ledger " + ledgerId + ", expected " + expectedLedgerId);
            }
            int count = in.getInt();
            long dataLength = in.getLong();
            int metaLen = in.getInt();
            if (count < 0 || metaLen < 0 || metaLen > in.remaining()) {
                throw new CorruptIndexException("index of ledger " + ledgerId + " has bad sizes");
            }
            byte[] meta = new byte[metaLen];
            in.get(meta);
            int userCount = in.getInt();
            if (userCount < 0) {
                throw new CorruptIndexException("index of ledger " + ledgerId + " has bad user metadata count");
            }
            Map<String, String> user = new LinkedHashMap<>();
            for (int i = 0; i < userCount; i++) {
                user.put(readUtf(in), readUtf(in));
            }
            int perEntry = version == VERSION ? 8 : 12;
            if ((long) count * perEntry != in.remaining()) {
                throw new CorruptIndexException("index of ledger " + ledgerId + " holds " + in.remaining()
                        + " bytes for " + count + " entries");
            }
            int[] lengths = new int[count];
            int[] crcs = new int[count];
            long sum = 0;
            for (int i = 0; i < count; i++) {
                lengths[i] = in.getInt();
                if (lengths[i] < 0) {
                    throw new CorruptIndexException("entry " + i + " of ledger " + ledgerId + " has a negative length");
                }
                sum += lengths[i];
            }
            for (int i = 0; i < count; i++) {
                crcs[i] = in.getInt();
            }
            int[] raws = null;
            if (version == VERSION_COMPRESSED) {
                raws = new int[count];
                for (int i = 0; i < count; i++) {
                    raws[i] = in.getInt();
                    if (raws[i] < RAW) {
                        throw new CorruptIndexException("entry " + i + " of ledger " + ledgerId
                                + " has a bad original length");
                    }
                }
            }
            if (sum != dataLength) {
                throw new CorruptIndexException("entry lengths of ledger " + ledgerId + " add up to " + sum
                        + ", index says " + dataLength);
            }
            return new LedgerIndex(ledgerId, lengths, crcs, raws, meta, user);
        } catch (BufferUnderflowException e) {
            throw new CorruptIndexException("index of ledger " + expectedLedgerId + " is truncated");
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("user metadata string longer than 65535 bytes");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static String readUtf(ByteBuffer in) throws CorruptIndexException {
        int len = Short.toUnsignedInt(in.getShort());
        if (len > in.remaining()) {
            throw new CorruptIndexException("truncated string in index");
        }
        byte[] b = new byte[len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    public static Builder builder(long ledgerId) {
        return new Builder(ledgerId);
    }

    /** Collects entries in order while a ledger is uploaded. */
    public static final class Builder {
        private final long ledgerId;
        private int[] lengths = new int[1024];
        private int[] checksums = new int[1024];
        private int[] rawLengths; // once an entry is compressed
        private int count;
        private long dataLength;
        private byte[] ledgerMetadata = new byte[0];
        private final Map<String, String> userMetadata = new LinkedHashMap<>();

        private Builder(long ledgerId) {
            this.ledgerId = ledgerId;
        }

        /** Adds the next entry, stored as it was; ids must be consecutive from 0. */
        public Builder add(long entryId, int length, int crc32c) {
            return add(entryId, length, crc32c, RAW);
        }

        /**
         * Adds the next entry stored in {@code storedLength} bytes; {@code rawLength} is its length before
         * compression, or -1 when stored as it was. {@code crc32c} is of the original bytes.
         */
        public Builder add(long entryId, int storedLength, int crc32c, int rawLength) {
            int length = storedLength;
            if (entryId != count) {
                throw new IllegalArgumentException("ledger " + ledgerId + ": expected entry " + count + ", got " + entryId);
            }
            if (count == lengths.length) {
                lengths = Arrays.copyOf(lengths, count * 2);
                checksums = Arrays.copyOf(checksums, count * 2);
                if (rawLengths != null) {
                    rawLengths = Arrays.copyOf(rawLengths, count * 2);
                }
            }
            if (rawLength != RAW && rawLengths == null) {
                rawLengths = new int[lengths.length];
                Arrays.fill(rawLengths, 0, count, RAW);
            }
            if (rawLengths != null) {
                rawLengths[count] = rawLength;
            }
            lengths[count] = length;
            checksums[count] = crc32c;
            count++;
            dataLength += length;
            return this;
        }

        public int entryCount() {
            return count;
        }

        public long dataLength() {
            return dataLength;
        }

        public Builder ledgerMetadata(byte[] serialized) {
            this.ledgerMetadata = serialized.clone();
            return this;
        }

        public Builder userMetadata(Map<String, String> metadata) {
            metadata.forEach((k, v) -> {
                if (k != null && v != null) {
                    userMetadata.put(k, v);
                }
            });
            return this;
        }

        public LedgerIndex build() {
            return new LedgerIndex(ledgerId, Arrays.copyOf(lengths, count), Arrays.copyOf(checksums, count),
                    rawLengths == null ? null : Arrays.copyOf(rawLengths, count), ledgerMetadata, userMetadata);
        }
    }
}
