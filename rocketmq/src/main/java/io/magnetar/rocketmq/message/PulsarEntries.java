package io.magnetar.rocketmq.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.allocator.PulsarByteBufAllocator;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.protocol.Commands;

/**
 * RocketMQ messages as one Pulsar entry (metadata and payload, as a Pulsar producer would have sent them): a single
 * message as a plain entry, a RocketMQ batch as a Pulsar batch whose messages each keep their own properties.
 * RocketMQ's properties become Pulsar message properties under the same names; the born timestamp is the event time.
 */
public final class PulsarEntries {
    private PulsarEntries() {
    }

    /**
     * @param producerName the Pulsar producer name recorded in the entry
     * @param sequenceId the entry's sequence id (unused by the broker unless deduplication is on)
     * @param extraProperties added to every message (e.g. the born host), after the message's own
     * @return a new buffer the caller owns (released once published)
     */
    public static ByteBuf entry(String producerName, long sequenceId, long publishTime, long bornTimestamp,
            List<RocketMqMessage> messages, Map<String, String> extraProperties) {
        MessageMetadata metadata = new MessageMetadata()
                .setProducerName(producerName)
                .setSequenceId(sequenceId)
                .setPublishTime(publishTime);
        if (bornTimestamp > 0) {
            metadata.setEventTime(bornTimestamp);
        }
        if (messages.size() == 1) {
            RocketMqMessage m = messages.get(0);
            properties(m, extraProperties).forEach((k, v) -> metadata.addProperty().setKey(k).setValue(v));
            return Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata,
                    Unpooled.wrappedBuffer(m.body()));
        }
        metadata.setNumMessagesInBatch(messages.size());
        int size = 0;
        for (RocketMqMessage m : messages) {
            size += m.body().length + 64;
        }
        ByteBuf batch = PulsarByteBufAllocator.DEFAULT.buffer(size);
        try {
            for (RocketMqMessage m : messages) {
                SingleMessageMetadata single = new SingleMessageMetadata();
                if (bornTimestamp > 0) {
                    single.setEventTime(bornTimestamp);
                }
                properties(m, extraProperties).forEach((k, v) -> single.addProperty().setKey(k).setValue(v));
                Commands.serializeSingleMessageInBatchWithPayload(single, Unpooled.wrappedBuffer(m.body()), batch);
            }
            return Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata, batch);
        } finally {
            batch.release();
        }
    }


    private static Map<String, String> properties(RocketMqMessage m, Map<String, String> extra) {
        if (extra.isEmpty() && m.flag() == 0) {
            return m.properties();
        }
        Map<String, String> all = new java.util.LinkedHashMap<>(m.properties());
        if (m.flag() != 0) {
            all.put(RocketMqProperties.MESSAGE_FLAG, Integer.toString(m.flag()));
        }
        all.putAll(extra);
        return all;
    }
}
