package io.magnetar.client;

import io.magnetar.api.MessageKeys;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * RocketMQ-style tagged messages with the standard Pulsar Java client, batched so that the broker filters a whole
 * batch from its header (Magnetar, tenant feature {@code tagFilter} on): each batch holds one tag.
 *
 * <pre>{@code
 * Producer<String> producer = TaggedMessages.producer(client.newProducer(Schema.STRING).topic(t)).create();
 * TaggedMessages.tag(producer.newMessage().value("v"), "TagA").sendAsync();
 * TaggedMessages.tag(producer.newMessage().value("v"), "TagB", "order-17").sendAsync();  // with a message key
 * }</pre>
 *
 * A message carries its tag in the {@code TAGS} property, as any producer's would, and in its ordering key
 * (reserved prefix {@code 00 'M' 'G' 'T' 01}, then the tag and the message key). Pulsar's key-based batcher
 * ({@link #producer}) groups messages by ordering key and copies the first message's into the batch header,
 * where the broker reads it without decompressing the batch. Consequences: a batch holds one tag and one key;
 * ordering is kept per tag (per tag and key); a Key_Shared subscription assigns by tag and key.
 */
public final class TaggedMessages {
    public static final String TAGS = MessageKeys.TAGS;
    private static final byte[] PREFIX = {0, 'M', 'G', 'T', 1};
    private static final byte TAGGED = 'T';
    private static final byte UNTAGGED = 'N';

    private TaggedMessages() {
    }

    /**
     * A producer for tagged sends: batching on with Pulsar's key-based batcher, so each batch holds one ordering
     * key, hence one tag. Call it last, after any other batching setting.
     */
    public static <T> ProducerBuilder<T> producer(ProducerBuilder<T> builder) {
        return builder.enableBatching(true).batcherBuilder(BatcherBuilder.KEY_BASED);
    }

    /**
     * Tags a message ({@code tag} null: a message without tag, still batched apart from tagged ones). Call it last:
     * an ordering key set afterwards would break the batch's promise of one tag.
     */
    public static <T> TypedMessageBuilder<T> tag(TypedMessageBuilder<T> message, String tag) {
        return tag(message, tag, null);
    }

    /** Tags a message and sets its key ({@code key} null: none); batches then also hold one key. */
    public static <T> TypedMessageBuilder<T> tag(TypedMessageBuilder<T> message, String tag, String key) {
        byte[] orderingKey = batchKey(tag, key);
        if (tag != null) {
            message.property(TAGS, tag);
        }
        if (key != null) {
            message.key(key);
        }
        return message.orderingKey(orderingKey);
    }

    /** The ordering key for a tag and message key, the wire convention the broker's filter reads. */
    static byte[] batchKey(String tag, String key) {
        if (tag != null && (tag.isEmpty() || tag.indexOf('\0') >= 0)) {
            throw new IllegalArgumentException("a tag must be non-empty and free of NUL characters: '" + tag + "'");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(PREFIX.length + 2 + (tag == null ? 0 : tag.length())
                + (key == null ? 0 : key.length()));
        out.writeBytes(PREFIX);
        out.write(tag == null ? UNTAGGED : TAGGED);
        if (tag != null) {
            out.writeBytes(tag.getBytes(StandardCharsets.UTF_8));
        }
        if (key != null) {
            out.write(0);
            out.writeBytes(key.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
