package io.magnetar.topic.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;
import org.junit.jupiter.api.Test;

class BatchedSendsTest {

    /** A batched send as a client writes it: per-message properties inside the (compressed) payload only. */
    private static ByteBuf batch(CompressionType compression, List<Map<String, String>> properties) {
        ByteBuf messages = Unpooled.buffer();
        for (Map<String, String> props : properties) {
            SingleMessageMetadata single = new SingleMessageMetadata();
            props.forEach((k, v) -> single.addProperty().setKey(k).setValue(v));
            Commands.serializeSingleMessageInBatchWithPayload(single,
                    Unpooled.wrappedBuffer("payload".getBytes(StandardCharsets.UTF_8)), messages);
        }
        int uncompressed = messages.readableBytes();
        ByteBuf payload = CompressionCodecProvider.getCompressionCodec(compression).encode(messages);
        messages.release();
        MessageMetadata metadata = new MessageMetadata().setProducerName("p").setSequenceId(1).setPublishTime(1)
                .setNumMessagesInBatch(properties.size()).setCompression(compression)
                .setUncompressedSize(uncompressed);
        ByteBuf send = Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata, payload);
        payload.release();
        return send;
    }

    private static String control(ByteBuf send, boolean delay, boolean transaction) throws Exception {
        MessageMetadata metadata = Commands.peekMessageMetadata(send, "t", -1);
        int readerIndex = send.readerIndex();
        try {
            return BatchedSends.controlProperty(metadata, send, delay, transaction);
        } finally {
            assertEquals(readerIndex, send.readerIndex(), "the send is left as it came");
        }
    }

    @Test
    void findsAScheduledMessageInsideACompressedBatch() throws Exception {
        for (CompressionType compression : List.of(CompressionType.NONE, CompressionType.LZ4, CompressionType.ZSTD)) {
            ByteBuf send = batch(compression, List.of(Map.of("app", "1"), Map.of("TIMER_DELAY_SEC", "30"),
                    Map.of()));
            assertEquals("TIMER_DELAY_SEC", control(send, true, false), compression.toString());
            assertNull(control(send, false, true), "delay off: a scheduling property is just a property");
            send.release();
        }
    }

    @Test
    void halfMessagesAndResolutionsCountOnlyWithTransactionsOn() throws Exception {
        ByteBuf half = batch(CompressionType.LZ4, List.of(Map.of("TRAN_MSG", "true", "PGROUP", "g")));
        assertEquals("TRAN_MSG", control(half, false, true));
        assertNull(control(half, true, false));
        ByteBuf resolution = batch(CompressionType.NONE, List.of(Map.of(), Map.of("MAGNETAR_TXN_ID", "1:2:-1")));
        assertEquals("MAGNETAR_TXN_ID", control(resolution, false, true));
        half.release();
        resolution.release();
    }

    @Test
    void aBatchOfPlainMessagesIsLeftAlone() throws Exception {
        ByteBuf send = batch(CompressionType.LZ4, List.of(Map.of("TAGS", "TagA"), Map.of("app", "x"), Map.of()));
        assertNull(control(send, true, true));
        send.release();
    }
}
