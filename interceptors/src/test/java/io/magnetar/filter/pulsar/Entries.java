package io.magnetar.filter.pulsar;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.BrokerEntryMetadata;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;

/** Stored entries built by hand, in the layout the broker keeps them (as the Java client writes them). */
final class Entries {
    private Entries() {
    }

    /** One message of a batch: its properties, and whether compaction removed it. */
    record Message(Map<String, String> properties, boolean compactedOut) {
        static Message of(Map<String, String> properties) {
            return new Message(properties, false);
        }
    }

    static MessageMetadata unbatchedMetadata(Map<String, String> properties) {
        MessageMetadata md = baseMetadata();
        properties.forEach((k, v) -> md.addProperty().setKey(k).setValue(v));
        return md;
    }

    static MessageMetadata batchMetadata(int messages, CompressionType compression, int uncompressedSize) {
        return baseMetadata().setNumMessagesInBatch(messages).setCompression(compression)
                .setUncompressedSize(uncompressedSize);
    }

    private static MessageMetadata baseMetadata() {
        return new MessageMetadata().setProducerName("p").setSequenceId(1).setPublishTime(1);
    }

    /** The uncompressed batch payload: per message [size][SingleMessageMetadata][payload]. */
    static ByteBuf batchPayload(List<Message> messages) {
        ByteBuf buf = Unpooled.buffer();
        for (int i = 0; i < messages.size(); i++) {
            byte[] body = ("message-" + i).getBytes(StandardCharsets.UTF_8);
            SingleMessageMetadata single = new SingleMessageMetadata().setPayloadSize(body.length);
            messages.get(i).properties().forEach((k, v) -> single.addProperty().setKey(k).setValue(v));
            if (messages.get(i).compactedOut()) {
                single.setCompactedOut(true);
            }
            buf.writeInt(single.getSerializedSize());
            single.writeTo(buf);
            buf.writeBytes(body);
        }
        return buf;
    }

    /** A whole stored entry: [magic][crc][metadata size][metadata][payload compressed as the metadata says]. */
    static ByteBuf batchEntry(MessageMetadata[] metadataOut, CompressionType compression, List<Message> messages,
                              boolean brokerEntryMetadata) {
        ByteBuf raw = batchPayload(messages);
        int uncompressedSize = raw.readableBytes();
        ByteBuf compressed = CompressionCodecProvider.getCompressionCodec(compression).encode(raw);
        raw.release();
        MessageMetadata md = batchMetadata(messages.size(), compression, uncompressedSize);
        metadataOut[0] = md;
        ByteBuf entry = Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, md, compressed);
        compressed.release();
        ByteBuf copy = Unpooled.buffer();
        if (brokerEntryMetadata) {
            BrokerEntryMetadata bem = new BrokerEntryMetadata().setBrokerTimestamp(42).setIndex(7);
            copy.writeShort(Commands.magicBrokerEntryMetadata);
            copy.writeInt(bem.getSerializedSize());
            bem.writeTo(copy);
        }
        copy.writeBytes(entry);
        entry.release();
        return copy;
    }
}
