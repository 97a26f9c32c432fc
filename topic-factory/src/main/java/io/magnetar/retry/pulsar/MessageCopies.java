package io.magnetar.retry.pulsar;

import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryProperties;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;

/**
 * The single messages of a failed entry, and the copies the broker writes of them. A batch is split into its
 * messages (decompressed), skipping those already acknowledged by batch index: each one fails, waits and is counted
 * on its own. The copies keep payload, key, ordering key, event time, schema version and properties.
 */
public final class MessageCopies {
    /** One message of an entry; {@code payload} is the caller's to release. */
    record Single(MessageMetadata metadata, ByteBuf payload, String messageId) {
        int reconsumeTimes() {
            String value = MessageProperties.get(metadata, RetryProperties.RECONSUME_TIMES);
            if (value == null) {
                return 0;
            }
            try {
                return Math.max(0, Integer.parseInt(value.trim()));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        String originMessageId() {
            // a redelivery copy, or a scheduled message appended when due, carries the id its producer got
            String origin = MessageProperties.get(metadata, RetryProperties.ORIGIN_MESSAGE_ID);
            return origin == null ? messageId : origin;
        }
    }

    private MessageCopies() {
    }

    /** True for an entry whose messages only its consumers can read (end-to-end encryption). */
    static boolean encrypted(MessageMetadata metadata) {
        return metadata.getEncryptionKeysCount() > 0;
    }

    /**
     * @param headersAndPayload the entry's data (its reader index is restored; not released; read only by this
     *     thread meanwhile)
     * @param remaining the subscription's batch-index state (bit set = not yet acknowledged), or null
     */
    static List<Single> split(ByteBuf headersAndPayload, long ledgerId, long entryId, int partition,
                              long[] remaining) throws IOException {
        MessageMetadata metadata = new MessageMetadata();
        ByteBuf payloadSlice = parse(headersAndPayload, metadata);
        String id = ledgerId + ":" + entryId + ":" + partition;
        if (!metadata.hasNumMessagesInBatch()) {
            return List.of(new Single(metadata, payloadSlice, id));
        }
        int count = metadata.getNumMessagesInBatch();
        ByteBuf uncompressed;
        try {
            uncompressed = metadata.getCompression() == CompressionType.NONE ? payloadSlice.retain()
                    : CompressionCodecProvider.getCompressionCodec(metadata.getCompression())
                            .decode(payloadSlice, metadata.getUncompressedSize());
        } finally {
            payloadSlice.release();
        }
        BitSet unacknowledged = remaining == null ? null : BitSet.valueOf(remaining);
        List<Single> messages = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                SingleMessageMetadata single = new SingleMessageMetadata();
                ByteBuf payload = Commands.deSerializeSingleMessageInBatch(uncompressed, single, i, count);
                if (single.isCompactedOut() || unacknowledged != null && !unacknowledged.get(i)) {
                    payload.release();
                    continue;
                }
                messages.add(new Single(singleMetadata(metadata, single, payload.readableBytes()), payload,
                        id + ":" + i));
            }
        } catch (IOException | RuntimeException e) {
            messages.forEach(m -> m.payload().release());
            throw e;
        } finally {
            uncompressed.release();
        }
        return messages;
    }

    /**
     * Parses the metadata of {@code headersAndPayload} into {@code metadata} and returns its payload as a retained
     * slice (the caller releases it). Indexes are taken on the buffer itself, whose reader index is restored: a
     * retained slice of a duplicate of a pooled slice, as BookKeeper entries are, points at the wrong bytes.
     */
    public static ByteBuf parse(ByteBuf headersAndPayload, MessageMetadata metadata) {
        int start = headersAndPayload.readerIndex();
        try {
            Commands.parseMessageMetadata(headersAndPayload, metadata);
            return headersAndPayload.retainedSlice(headersAndPayload.readerIndex(),
                    headersAndPayload.writerIndex() - headersAndPayload.readerIndex());
        } finally {
            headersAndPayload.readerIndex(start);
        }
    }

    /** The metadata a message of a batch would have had, sent alone and uncompressed. */
    private static MessageMetadata singleMetadata(MessageMetadata batch, SingleMessageMetadata single, int size) {
        MessageMetadata metadata = new MessageMetadata()
                .setProducerName(batch.getProducerName())
                .setSequenceId(single.hasSequenceId() ? single.getSequenceId() : batch.getSequenceId())
                .setPublishTime(batch.getPublishTime())
                .setUncompressedSize(size);
        if (batch.hasSchemaVersion()) {
            metadata.setSchemaVersion(batch.getSchemaVersion());
        }
        if (single.hasPartitionKey()) {
            metadata.setPartitionKey(single.getPartitionKey())
                    .setPartitionKeyB64Encoded(single.isPartitionKeyB64Encoded());
        }
        if (single.hasOrderingKey()) {
            metadata.setOrderingKey(single.getOrderingKey());
        }
        if (single.hasEventTime()) {
            metadata.setEventTime(single.getEventTime());
        }
        if (single.hasNullValue()) {
            metadata.setNullValue(single.isNullValue());
        }
        if (single.hasNullPartitionKey()) {
            metadata.setNullPartitionKey(single.isNullPartitionKey());
        }
        for (KeyValue kv : single.getPropertiesList()) {
            metadata.addProperty().setKey(kv.getKey()).setValue(kv.getValue());
        }
        return metadata;
    }

    /**
     * The copy of a failed message: its metadata with the retry properties set (replacing earlier values) and the
     * routing property set when {@code redeliverTo} is given, removed otherwise; serialized with its payload.
     */
    static ByteBuf copy(Single message, Map<String, String> retryProperties, String redeliverTo) {
        MessageMetadata source = message.metadata();
        MessageMetadata copy = new MessageMetadata().copyFrom(source);
        copy.clearProperties();
        copy.clearDeliverAtTime();
        copy.clearReplicateTo();
        for (KeyValue kv : source.getPropertiesList()) {
            if (!retryProperties.containsKey(kv.getKey()) && !kv.getKey().equals(RetryProperties.REDELIVER_TO)
                    && !kv.getKey().equals(RetryProperties.RECORD_ID)) {
                copy.addProperty().setKey(kv.getKey()).setValue(kv.getValue());
            }
        }
        retryProperties.forEach((key, value) -> copy.addProperty().setKey(key).setValue(value));
        if (redeliverTo != null) {
            copy.addProperty().setKey(RetryProperties.REDELIVER_TO).setValue(redeliverTo);
        }
        return Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, copy, message.payload());
    }

}
