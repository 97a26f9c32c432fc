package io.magnetar.rocketmq.consume;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.BrokerEntryMetadata;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;

/**
 * The messages of one stored entry (as the managed ledger holds it: broker-entry metadata, message metadata,
 * payload), each with its queue offset: the entry's index is the offset of its last message. Batches (compressed
 * or not) are split; markers, encrypted payloads and messages compacted out give nothing.
 */
public final class EntryMessages {
    /** The entry's index, or -1 when it has none (written before the index interceptor was on). */
    public static long lastOffset(ByteBuf entry) {
        BrokerEntryMetadata metadata = Commands.peekBrokerEntryMetadataIfExist(entry);
        return metadata != null && metadata.hasIndex() ? metadata.getIndex() : -1;
    }

    /** The publish time of an entry (its message metadata), for searches by time. */
    public static long publishTime(ByteBuf entry) {
        ByteBuf view = entry.duplicate();
        Commands.skipBrokerEntryMetadataIfExist(view);
        return Commands.parseMessageMetadata(view).getPublishTime();
    }

    private EntryMessages() {
    }

    /**
     * @param entry not modified (a duplicate is read), not released
     * @param fromOffset messages below this offset are left out
     */
    public static List<StoredMessage> read(ByteBuf entry, long fromOffset) throws IOException {
        ByteBuf data = entry.duplicate();
        BrokerEntryMetadata brokerMetadata = Commands.parseBrokerEntryMetadataIfExist(data);
        if (brokerMetadata == null || !brokerMetadata.hasIndex()) {
            return List.of();
        }
        MessageMetadata metadata = new MessageMetadata();
        Commands.parseMessageMetadata(data, metadata);
        if (metadata.hasMarkerType() || metadata.getEncryptionKeysCount() > 0) {
            return List.of();
        }
        int count = metadata.hasNumMessagesInBatch() ? metadata.getNumMessagesInBatch() : 1;
        long first = brokerMetadata.getIndex() - count + 1;
        ByteBuf payload = data;
        boolean decompressed = metadata.getCompression() != CompressionType.NONE;
        if (decompressed) {
            payload = CompressionCodecProvider.getCompressionCodec(metadata.getCompression())
                    .decode(data, metadata.getUncompressedSize());
        }
        try {
            List<StoredMessage> out = new ArrayList<>(count);
            if (!metadata.hasNumMessagesInBatch()) {
                if (first >= fromOffset) {
                    out.add(new StoredMessage(first, metadata.getPublishTime(),
                            metadata.hasEventTime() ? metadata.getEventTime() : 0,
                            metadata.hasPartitionKey() ? metadata.getPartitionKey() : null, bytes(payload),
                            properties(metadata.getPropertiesList())));
                }
                return out;
            }
            for (int i = 0; i < count; i++) {
                SingleMessageMetadata single = new SingleMessageMetadata();
                ByteBuf body = Commands.deSerializeSingleMessageInBatch(payload, single, i, count);
                try {
                    if (first + i < fromOffset || single.isCompactedOut()) {
                        continue;
                    }
                    out.add(new StoredMessage(first + i, metadata.getPublishTime(),
                            single.hasEventTime() ? single.getEventTime() : 0,
                            single.hasPartitionKey() ? single.getPartitionKey() : null, bytes(body),
                            properties(single.getPropertiesList())));
                } finally {
                    body.release();
                }
            }
            return out;
        } finally {
            if (decompressed) {
                payload.release();
            }
        }
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] b = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), b);
        return b;
    }

    private static Map<String, String> properties(List<KeyValue> kvs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            map.put(kv.getKey(), kv.getValue());
        }
        return map;
    }
}
