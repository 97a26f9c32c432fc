package io.magnetar.offload.format;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.bookkeeper.proto.DataFormats.LedgerMetadataFormat;

/**
 * Test-only writer of Pulsar's jcloud offload format v1 as documented in its index and block classes: blocks of
 * a 128-byte header ({@code 0xFBDBABCB}, header length, block length, first entry id), entries
 * {@code [int length][long entryId][payload]} and {@code 0xFEDCDEAD} padding; the index ({@code 0xDE47DE47}) with
 * the ledger's {@code LedgerMetadataFormat} and one {@code (firstEntryId, partId, offset)} per block. The last
 * block is sized to its content, as jcloud does.
 */
public final class JcloudFormat {
    public final byte[] data;
    public final byte[] index;
    public final List<Long> blockOffsets = new ArrayList<>();

    private JcloudFormat(byte[] data, byte[] index) {
        this.data = data;
        this.index = index;
    }

    public static LedgerMetadataFormat metadata(List<byte[]> entries) {
        long length = entries.stream().mapToLong(e -> e.length).sum();
        return LedgerMetadataFormat.newBuilder().setEnsembleSize(1).setQuorumSize(1).setAckQuorumSize(1)
                .setLength(length).setLastEntryId(entries.size() - 1).setState(LedgerMetadataFormat.State.CLOSED)
                .setDigestType(LedgerMetadataFormat.DigestType.CRC32C).setPassword(ByteString.EMPTY)
                .setCtime(1_700_000_000_000L)
                .addSegment(LedgerMetadataFormat.Segment.newBuilder().addEnsembleMember("127.0.0.1:3181")
                        .setFirstEntryId(0))
                .build();
    }

    public static JcloudFormat write(List<byte[]> entries, int maxBlockSize) {
        byte[] padding = {(byte) 0xFE, (byte) 0xDC, (byte) 0xDE, (byte) 0xAD};
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<long[]> blocks = new ArrayList<>();
        try {
            int next = 0;
            while (next < entries.size()) {
                long remaining = 128;
                for (int i = next; i < entries.size(); i++) {
                    remaining += 12 + entries.get(i).length;
                }
                int blockSize = (int) Math.min(maxBlockSize, remaining);
                blocks.add(new long[] {next, data.size()});
                DataOutputStream out = new DataOutputStream(data);
                out.writeInt(JcloudIndex.BLOCK_MAGIC);
                out.writeLong(128);
                out.writeLong(blockSize);
                out.writeLong(next);
                out.write(new byte[128 - JcloudIndex.BLOCK_HEADER_FIELDS]);
                int used = 128;
                while (next < entries.size() && used + 12 + entries.get(next).length <= blockSize) {
                    byte[] e = entries.get(next);
                    out.writeInt(e.length);
                    out.writeLong(next);
                    out.write(e);
                    used += 12 + e.length;
                    next++;
                }
                if (used == 128) {
                    throw new IllegalArgumentException("entry " + next + " does not fit a block of " + blockSize);
                }
                for (int i = 0; used < blockSize; i++, used++) {
                    out.write(padding[i % 4]);
                }
                out.flush();
            }
            byte[] meta = metadata(entries).toByteArray();
            ByteArrayOutputStream idx = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(idx);
            out.writeInt(JcloudIndex.MAGIC);
            out.writeInt(4 + 4 + 8 + 8 + 4 + 4 + meta.length + blocks.size() * 20);
            out.writeLong(data.size());
            out.writeLong(128);
            out.writeInt(blocks.size());
            out.writeInt(meta.length);
            out.write(meta);
            for (int i = 0; i < blocks.size(); i++) {
                out.writeLong(blocks.get(i)[0]);
                out.writeInt(i + 1);
                out.writeLong(blocks.get(i)[1]);
            }
            out.flush();
            JcloudFormat f = new JcloudFormat(data.toByteArray(), idx.toByteArray());
            blocks.forEach(b -> f.blockOffsets.add(b[1]));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
