package io.magnetar.retry.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;
import org.junit.jupiter.api.Test;

class MessageCopiesTest {
    private static ByteBuf lz4Batch(String... payloads) {
        return batch(CompressionType.LZ4, payloads);
    }

    private static ByteBuf batch(CompressionType compression, String... payloads) {
        ByteBuf batch = Unpooled.buffer();
        for (int i = 0; i < payloads.length; i++) {
            SingleMessageMetadata single = new SingleMessageMetadata().setPartitionKey("key-" + i)
                    .setEventTime(1000 + i).setSequenceId(50 + i);
            single.addProperty().setKey("TAGS").setValue("Tag" + i);
            if (i == 2) {
                single.addProperty().setKey(RetryProperties.RECONSUME_TIMES).setValue("4");
                single.addProperty().setKey(RetryProperties.ORIGIN_MESSAGE_ID).setValue("7:8:-1:2");
            }
            Commands.serializeSingleMessageInBatchWithPayload(single,
                    Unpooled.copiedBuffer(payloads[i], StandardCharsets.UTF_8), batch);
        }
        int uncompressed = batch.readableBytes();
        ByteBuf compressed = CompressionCodecProvider.getCompressionCodec(compression).encode(batch);
        batch.release();
        MessageMetadata metadata = new MessageMetadata().setProducerName("p").setSequenceId(50)
                .setPublishTime(123).setNumMessagesInBatch(payloads.length).setCompression(compression)
                .setUncompressedSize(uncompressed).setSchemaVersion(new byte[] {0, 0, 0, 2});
        ByteBuf entry = Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata, compressed);
        compressed.release();
        return entry;
    }

    @Test
    void aCompressedBatchSplitsIntoItsUnacknowledgedMessages() throws Exception {
        ByteBuf entry = lz4Batch("zero", "one", "two");
        BitSet remaining = new BitSet();
        remaining.set(0);
        remaining.set(2); // index 1 acknowledged by batch index
        List<MessageCopies.Single> messages = MessageCopies.split(entry, 11, 22, 3, remaining.toLongArray());
        try {
            assertEquals(2, messages.size());
            MessageCopies.Single first = messages.get(0);
            assertEquals("zero", first.payload().toString(StandardCharsets.UTF_8));
            assertEquals("key-0", first.metadata().getPartitionKey());
            assertEquals(1000, first.metadata().getEventTime());
            assertEquals(50, first.metadata().getSequenceId());
            assertFalse(first.metadata().hasNumMessagesInBatch());
            assertEquals(CompressionType.NONE, first.metadata().getCompression());
            assertEquals(0, first.reconsumeTimes());
            assertEquals("11:22:3:0", first.originMessageId());
            MessageCopies.Single third = messages.get(1);
            assertEquals("two", third.payload().toString(StandardCharsets.UTF_8));
            assertEquals(4, third.reconsumeTimes());
            assertEquals("7:8:-1:2", third.originMessageId(), "a copy keeps the id its message was first given");
            assertEquals(4, third.metadata().getSchemaVersion().length);
        } finally {
            messages.forEach(m -> m.payload().release());
            entry.release();
        }
        assertEquals(0, entry.refCnt(), "every slice released");
    }

    /** As BookKeeper hands entries out: a slice of a larger pooled direct buffer. */
    private static ByteBuf asReadFromBookKeeper(ByteBuf entry) {
        ByteBuf response = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1024);
        response.writeZero(37).writeBytes(entry).writeZero(100);
        entry.release();
        ByteBuf slice = response.retainedSlice(37, response.writerIndex() - 137);
        response.release();
        return slice;
    }

    @Test
    void anUncompressedBatchSplitsToo() throws Exception {
        ByteBuf entry = asReadFromBookKeeper(batch(CompressionType.NONE, "a", "b", "c", "d", "e"));
        List<MessageCopies.Single> messages = MessageCopies.split(entry, 1, 2, -1, null);
        try {
            assertEquals(List.of("a", "b", "c", "d", "e"), messages.stream()
                    .map(m -> m.payload().toString(StandardCharsets.UTF_8)).toList());
            assertEquals("1:2:-1:4", messages.get(4).messageId());
        } finally {
            messages.forEach(m -> m.payload().release());
            entry.release();
        }
    }

    @Test
    void aCopyReplacesTheRetryPropertiesAndIsRoutedOnlyWhenAsked() throws Exception {
        MessageMetadata metadata = new MessageMetadata().setProducerName("p").setSequenceId(1).setPublishTime(5)
                .setPartitionKey("k").setDeliverAtTime(99);
        metadata.addProperty().setKey("TAGS").setValue("TagA");
        metadata.addProperty().setKey(RetryProperties.RECONSUME_TIMES).setValue("1");
        metadata.addProperty().setKey(RetryProperties.REDELIVER_TO).setValue("old-sub");
        metadata.addReplicateTo("east");
        ByteBuf entry = Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata,
                Unpooled.copiedBuffer("body", StandardCharsets.UTF_8));
        List<MessageCopies.Single> messages = MessageCopies.split(entry, 1, 2, -1, null);
        assertEquals(1, messages.size());
        MessageCopies.Single single = messages.get(0);
        assertEquals(1, single.reconsumeTimes());
        Map<String, String> retry = new LinkedHashMap<>();
        retry.put(RetryProperties.RECONSUME_TIMES, "2");
        retry.put(RetryProperties.REAL_SUBSCRIPTION, "sub");
        ByteBuf routed = MessageCopies.copy(single, retry, "sub");
        ByteBuf unrouted = MessageCopies.copy(single, retry, null);
        single.payload().release();
        entry.release();
        try {
            MessageMetadata copy = Commands.parseMessageMetadata(routed.duplicate());
            assertEquals("2", MessageProperties.get(copy, RetryProperties.RECONSUME_TIMES));
            assertEquals("sub", MessageProperties.get(copy, RetryProperties.REDELIVER_TO));
            assertEquals("TagA", MessageProperties.get(copy, "TAGS"));
            assertEquals(4, copy.getPropertiesCount(), "no duplicated keys");
            assertFalse(copy.hasDeliverAtTime());
            assertEquals(0, copy.getReplicateTosCount(), "the broker sets replicate_to when it appends");
            assertEquals("k", copy.getPartitionKey());
            ByteBuf payload = routed.duplicate();
            Commands.parseMessageMetadata(payload, new MessageMetadata());
            assertEquals("body", payload.toString(StandardCharsets.UTF_8));
            assertNull(MessageProperties.get(Commands.parseMessageMetadata(unrouted.duplicate()),
                    RetryProperties.REDELIVER_TO));
        } finally {
            routed.release();
            unrouted.release();
        }
    }
}
