package io.magnetar.delayed;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The persisted form of a sealed bucket. A <em>chunk</em> holds up to a few thousand (deliverAt, position)
 * triples sorted by time, delta- and varint-encoded (typically 3-5 bytes a message). The <em>summary</em> lists the
 * bucket's chunks (time range and count of each) and, per ledger, the bitmap of the bucket's entry ids: recovery
 * reads only summaries, chunks are read when their time comes. Both end with a CRC32C; a mismatch is reported as
 * {@link CorruptIndexException}, never decoded into wrong positions.
 */
final class IndexCodec {
    static final int CHUNK_MAGIC = 0x4d444331;   // "MDC1"
    static final int SUMMARY_MAGIC = 0x4d445331; // "MDS1"

    private IndexCodec() {
    }

    /** One chunk's place in its bucket. */
    record ChunkMeta(long minTime, long maxTime, int count) {
    }

    /** What a bucket's summary says. */
    record Summary(List<ChunkMeta> chunks, long chunkBytes, RoaringBitmapByLedger positions) {
        long count() {
            long n = 0;
            for (ChunkMeta chunk : chunks) {
                n += chunk.count();
            }
            return n;
        }
    }

    /** Encodes the sorted triples {@code [from, to)} of {@code sorted}. */
    static byte[] encodeChunk(TripleBuffer sorted, int from, int to) {
        int count = to - from;
        ByteBuffer out = ByteBuffer.allocate(4 + 4 + 8 + count * 30 + 4);
        out.putInt(CHUNK_MAGIC).putInt(count);
        long baseTime = count == 0 ? 0 : sorted.time(from);
        out.putLong(baseTime);
        long prevTime = baseTime;
        long prevLedger = 0;
        long prevEntry = 0;
        for (int i = from; i < to; i++) {
            long time = sorted.time(i);
            long ledger = sorted.ledger(i);
            long entry = sorted.entry(i);
            putVarLong(out, time - prevTime);
            putVarLong(out, zigzag(ledger - prevLedger));
            putVarLong(out, ledger == prevLedger ? zigzag(entry - prevEntry) : zigzag(entry));
            prevTime = time;
            prevLedger = ledger;
            prevEntry = entry;
        }
        return sealWithCrc(out);
    }

    /** Decodes a chunk, passing each triple to {@code sink} in time order. */
    static int decodeChunk(byte[] data, TripleBuffer.TripleSink sink) throws CorruptIndexException {
        ByteBuffer in = checked(data, CHUNK_MAGIC, "chunk");
        try {
            int count = in.getInt();
            if (count < 0) {
                throw new CorruptIndexException("chunk with negative count " + count);
            }
            long time = in.getLong();
            long ledger = 0;
            long entry = 0;
            for (int i = 0; i < count; i++) {
                time += getVarLong(in);
                long ledgerDelta = unzigzag(getVarLong(in));
                long entryCode = unzigzag(getVarLong(in));
                if (ledgerDelta == 0 && i > 0) {
                    entry += entryCode;
                } else {
                    ledger += ledgerDelta;
                    entry = entryCode;
                }
                sink.accept(time, ledger, entry);
            }
            if (in.remaining() != 4) {
                throw new CorruptIndexException("chunk has " + (in.remaining() - 4) + " trailing bytes");
            }
            return count;
        } catch (RuntimeException e) {
            throw new CorruptIndexException("chunk truncated: " + e);
        }
    }

    static byte[] encodeSummary(Summary summary) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(SUMMARY_MAGIC);
            out.writeInt(summary.chunks().size());
            for (ChunkMeta chunk : summary.chunks()) {
                out.writeLong(chunk.minTime());
                out.writeLong(chunk.maxTime());
                out.writeInt(chunk.count());
            }
            out.writeLong(summary.chunkBytes());
            summary.positions().serialize(out);
            out.writeInt(0); // room for the CRC
            out.flush();
            return sealWithCrc(ByteBuffer.wrap(bytes.toByteArray()).position(bytes.size() - 4));
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream", e);
        }
    }

    static Summary decodeSummary(byte[] data) throws CorruptIndexException {
        checked(data, SUMMARY_MAGIC, "summary");
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data, 4, data.length - 8));
            int chunkCount = in.readInt();
            if (chunkCount < 0) {
                throw new CorruptIndexException("summary with negative chunk count " + chunkCount);
            }
            List<ChunkMeta> chunks = new ArrayList<>(chunkCount);
            for (int i = 0; i < chunkCount; i++) {
                chunks.add(new ChunkMeta(in.readLong(), in.readLong(), in.readInt()));
            }
            long chunkBytes = in.readLong();
            RoaringBitmapByLedger positions = RoaringBitmapByLedger.deserialize(in);
            return new Summary(chunks, chunkBytes, positions);
        } catch (IOException | RuntimeException e) {
            throw new CorruptIndexException("summary truncated: " + e);
        }
    }

    /** Writes the CRC32C of everything before the buffer's position into the 4 bytes at the position. */
    private static byte[] sealWithCrc(ByteBuffer out) {
        int end = out.position();
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, end);
        out.putInt((int) crc.getValue());
        byte[] result = new byte[end + 4];
        System.arraycopy(out.array(), 0, result, 0, end + 4);
        return result;
    }

    private static ByteBuffer checked(byte[] data, int magic, String what) throws CorruptIndexException {
        if (data == null || data.length < 12) {
            throw new CorruptIndexException(what + " too short: " + (data == null ? "null" : data.length + " bytes"));
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        if (in.getInt(0) != magic) {
            throw new CorruptIndexException(what + " has magic " + Integer.toHexString(in.getInt(0)));
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        if ((int) crc.getValue() != in.getInt(data.length - 4)) {
            throw new CorruptIndexException(what + " fails its CRC32C check");
        }
        in.position(4);
        return in;
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static void putVarLong(ByteBuffer out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    private static long getVarLong(ByteBuffer in) throws CorruptIndexException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new CorruptIndexException("varint longer than 10 bytes");
    }
}
