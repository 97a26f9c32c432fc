package io.magnetar.filter.pulsar;

import io.magnetar.filter.MessageFilter;
import io.magnetar.filter.PropertyLookup;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.BitSet;
import java.util.function.Function;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodec;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.apache.pulsar.common.protocol.Commands;

/**
 * Reads message properties out of a stored entry and matches them against a filter. An unbatched message's
 * properties are in its {@link MessageMetadata}; a batch's are in the (possibly compressed) payload, one
 * {@link SingleMessageMetadata} per message.
 *
 * <p>Buffer rules: the entry's buffer is only read through a duplicate (its reader index never moves), and the
 * buffer the codec returns is released exactly once, whatever happens.
 */
final class EntryProperties {
    private final Function<CompressionType, CompressionCodec> codecs;

    EntryProperties() {
        this(CompressionCodecProvider::getCompressionCodec);
    }

    /** With another codec lookup, so tests can watch the buffers a codec hands out. */
    EntryProperties(Function<CompressionType, CompressionCodec> codecs) {
        this.codecs = codecs;
    }

    /** Whether the entry is a batch container (even of one message), as the Java client decides. */
    static boolean isBatch(MessageMetadata metadata) {
        return metadata.hasNumMessagesInBatch();
    }

    static boolean matches(MessageFilter filter, MessageMetadata metadata) {
        return filter.matches(name -> {
            for (int i = 0, n = metadata.getPropertiesCount(); i < n; i++) {
                KeyValue kv = metadata.getPropertyAt(i);
                if (kv.getKey().equals(name)) {
                    return kv.getValue();
                }
            }
            return null;
        });
    }

    /**
     * Matches every message of a batch entry.
     *
     * @param headersAndPayload the entry's data (broker entry metadata, checksum, metadata, payload); not modified
     * @return the batch indexes whose message matches; compacted-out messages never match
     * @throws IOException when the payload cannot be decompressed
     * @throws IndexOutOfBoundsException when the payload is shorter than its metadata says
     */
    BitSet matchBatch(MessageFilter filter, MessageMetadata metadata, ByteBuf headersAndPayload) throws IOException {
        int messages = metadata.getNumMessagesInBatch();
        ByteBuf view = headersAndPayload.duplicate();
        Commands.skipMessageMetadata(view);
        ByteBuf payload = codecs.apply(metadata.getCompression()).decode(view, metadata.getUncompressedSize());
        try {
            BitSet matched = new BitSet(messages);
            SingleMessageMetadata single = new SingleMessageMetadata();
            PropertyLookup lookup = name -> {
                for (int i = 0, n = single.getPropertiesCount(); i < n; i++) {
                    KeyValue kv = single.getPropertyAt(i);
                    if (kv.getKey().equals(name)) {
                        return kv.getValue();
                    }
                }
                return null;
            };
            for (int index = 0; index < messages; index++) {
                int size = (int) payload.readUnsignedInt();
                single.parseFrom(payload, size);
                payload.skipBytes(single.getPayloadSize());
                if (!single.isCompactedOut() && filter.matches(lookup)) {
                    matched.set(index);
                }
            }
            return matched;
        } finally {
            payload.release();
        }
    }
}
