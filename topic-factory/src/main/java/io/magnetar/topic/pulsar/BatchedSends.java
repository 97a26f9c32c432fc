package io.magnetar.topic.pulsar;

import io.magnetar.schedule.ScheduleRules;
import io.magnetar.transaction.TransactionProperties;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;

/**
 * A batch's header carries none of its messages' properties, so a scheduled or half message sent in a batch would
 * reach the topic at once, silently. The topic reads the batch's messages (decompressing it if needed) and refuses
 * the whole batch when one of them asks for scheduling or is a half message or a resolution: the producer sees the refusal, nothing
 * of the batch is stored.
 */
final class BatchedSends {
    private BatchedSends() {
    }

    /** Whether Magnetar acts on a message with this property (the tenant's features given). */
    static boolean controls(String key, boolean delay, boolean transaction) {
        return delay && ScheduleRules.PROPERTIES.contains(key)
                || transaction && (TransactionProperties.HALF.equals(key)
                        || TransactionProperties.TRANSACTION_ID.equals(key));
    }

    /**
     * The first property of the batch's messages that Magnetar would act on, or null when there is none or the
     * batch is end-to-end encrypted (only its consumers can read it).
     *
     * @param headersAndPayload the send as it came, positioned at its metadata; not modified, not released
     * @throws IOException when the payload cannot be decompressed
     */
    static String controlProperty(MessageMetadata metadata, ByteBuf headersAndPayload, boolean delay,
                                  boolean transaction) throws IOException {
        if (metadata.getEncryptionKeysCount() > 0) {
            return null;
        }
        ByteBuf view = headersAndPayload.duplicate();
        Commands.skipBrokerEntryMetadataIfExist(view);
        Commands.skipMessageMetadata(view);
        ByteBuf payload = metadata.getCompression() == CompressionType.NONE ? view.retainedSlice()
                : CompressionCodecProvider.getCompressionCodec(metadata.getCompression())
                        .decode(view, metadata.getUncompressedSize());
        try {
            SingleMessageMetadata single = new SingleMessageMetadata();
            for (int index = 0, n = metadata.getNumMessagesInBatch(); index < n; index++) {
                int size = (int) payload.readUnsignedInt();
                single.parseFrom(payload, size);
                payload.skipBytes(single.getPayloadSize());
                for (int i = 0, count = single.getPropertiesCount(); i < count; i++) {
                    KeyValue property = single.getPropertyAt(i);
                    if (controls(property.getKey(), delay, transaction)) {
                        return property.getKey();
                    }
                }
            }
            return null;
        } finally {
            payload.release();
        }
    }
}
