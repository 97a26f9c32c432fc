package io.magnetar.filter.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.filter.MessageFilter;
import io.magnetar.filter.Sql92Expression;
import io.magnetar.filter.TagExpression;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodec;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EntryPropertiesTest {
    private static final MessageFilter TAG_A_OR_B = TagExpression.compile("TagA || TagB");

    /** Records every buffer the codec hands out, so the test can check each was released. */
    private final List<ByteBuf> decoded = new ArrayList<>();
    private final EntryProperties properties = new EntryProperties(type -> {
        CompressionCodec real = CompressionCodecProvider.getCompressionCodec(type);
        return new CompressionCodec() {
            @Override
            public ByteBuf encode(ByteBuf raw) {
                return real.encode(raw);
            }

            @Override
            public ByteBuf decode(ByteBuf encoded, int uncompressedSize) throws IOException {
                ByteBuf out = real.decode(encoded, uncompressedSize);
                decoded.add(out);
                return out;
            }
        };
    });

    private static List<Entries.Message> mixedTags() {
        return List.of(
                Entries.Message.of(Map.of("TAGS", "TagA", "a", "1")),
                Entries.Message.of(Map.of("TAGS", "TagC")),
                Entries.Message.of(Map.of("TAGS", "TagB", "b", "x")),
                Entries.Message.of(Map.of()),
                Entries.Message.of(Map.of("TAGS", "TagA")));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "LZ4", "ZLIB", "ZSTD", "SNAPPY"})
    void readsEveryMessageOfABatchWhateverTheCompression(CompressionType compression) throws IOException {
        for (boolean brokerEntryMetadata : new boolean[] {false, true}) {
            MessageMetadata[] md = new MessageMetadata[1];
            ByteBuf entry = Entries.batchEntry(md, compression, mixedTags(), brokerEntryMetadata);
            int readerIndex = entry.readerIndex();
            int writerIndex = entry.writerIndex();
            try {
                BitSet matched = properties.matchBatch(TAG_A_OR_B, md[0], entry);
                assertEquals(BitSet.valueOf(new long[] {0b10101}), matched, compression + " " + brokerEntryMetadata);
                assertEquals(readerIndex, entry.readerIndex(), "the entry's reader index never moves");
                assertEquals(writerIndex, entry.writerIndex());
                assertEquals(1, entry.refCnt(), "the entry keeps exactly its own reference");
            } finally {
                entry.release();
            }
        }
        assertEquals(2, decoded.size());
        for (ByteBuf b : decoded) {
            assertEquals(0, b.refCnt(), "every decompressed buffer is released");
        }
    }

    @Test
    void sql92SeesEachMessagesOwnProperties() throws IOException {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, CompressionType.LZ4, List.of(
                Entries.Message.of(Map.of("a", "6", "b", "x")),
                Entries.Message.of(Map.of("a", "5", "b", "x")),
                Entries.Message.of(Map.of("a", "9", "b", "z")),
                Entries.Message.of(Map.of("a", "10", "b", "y"))), false);
        try {
            BitSet matched = properties.matchBatch(Sql92Expression.compile("a > 5 AND b IN ('x','y')"), md[0], entry);
            assertEquals(BitSet.valueOf(new long[] {0b1001}), matched);
        } finally {
            entry.release();
        }
    }

    @Test
    void compactedOutMessagesNeverMatch() throws IOException {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, CompressionType.NONE, List.of(
                new Entries.Message(Map.of("TAGS", "TagA"), true),
                Entries.Message.of(Map.of("TAGS", "TagA"))), false);
        try {
            assertEquals(BitSet.valueOf(new long[] {0b10}), properties.matchBatch(TAG_A_OR_B, md[0], entry));
        } finally {
            entry.release();
        }
    }

    @Test
    void truncatedPayloadFailsAndStillReleasesTheDecompressedBuffer() {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, CompressionType.ZSTD, mixedTags(), false);
        try {
            // The header claims one more message than the payload holds.
            MessageMetadata lying = Entries.batchMetadata(6, CompressionType.ZSTD, md[0].getUncompressedSize());
            assertThrows(IndexOutOfBoundsException.class, () -> properties.matchBatch(TAG_A_OR_B, lying, entry));
            assertEquals(1, decoded.size());
            assertEquals(0, decoded.get(0).refCnt());
            assertEquals(1, entry.refCnt());
        } finally {
            entry.release();
        }
    }

    @Test
    void unbatchedMessagesAreMatchedOnTheirMetadata() {
        MessageMetadata tagged = Entries.unbatchedMetadata(Map.of("TAGS", "TagB", "a", "7"));
        MessageMetadata other = Entries.unbatchedMetadata(Map.of("TAGS", "TagC"));
        assertFalse(EntryProperties.isBatch(tagged));
        assertTrue(EntryProperties.matches(TAG_A_OR_B, tagged));
        assertFalse(EntryProperties.matches(TAG_A_OR_B, other));
        assertFalse(EntryProperties.matches(TAG_A_OR_B, Entries.unbatchedMetadata(Map.of())));
        assertTrue(EntryProperties.isBatch(Entries.batchMetadata(1, CompressionType.NONE, 0)),
                "a batch of one is still a batch container");
    }
}
