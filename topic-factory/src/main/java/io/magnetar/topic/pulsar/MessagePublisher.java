package io.magnetar.topic.pulsar;

import io.magnetar.api.InternalNames;
import io.magnetar.retry.RetryProperties;
import io.magnetar.retry.pulsar.MessageCopies;
import io.netty.buffer.ByteBuf;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.compression.CompressionCodecProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes dead letters, transaction check-backs and check-max records through the broker's own client (the
 * target topic may be owned by another broker), one producer per target topic, named so that Magnetar's topic class
 * appends what it publishes as it is (a dead letter is not scheduled, a check is not taken for a resolution). Each dead letter carries its timer-log record id, so that after a crash
 * the records still pending can be checked against what their topic already holds.
 */
public final class MessagePublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessagePublisher.class);

    /** The broker's client, created by the broker on first use. */
    public interface ClientSource {
        PulsarClient get() throws Exception;
    }

    /** Producer names of this publisher start with it; topics publish such messages as they are. */
    public static final String PRODUCER_PREFIX = InternalNames.PUBLISHER_PREFIX;

    private final ClientSource client;
    private final Supplier<String> brokerId;
    private final Map<String, CompletableFuture<Producer<byte[]>>> producers = new ConcurrentHashMap<>();

    /**
     * @param brokerId this broker's id (known only once the broker started): one producer name per broker, so
     *     brokers never collide on a topic
     */
    public MessagePublisher(ClientSource client, Supplier<String> brokerId) {
        this.client = client;
        this.brokerId = brokerId;
    }

    /** Publishes {@code message} (metadata and payload, as stored in the timer log) to {@code topic}. */
    public CompletableFuture<MessageId> publish(String topic, ByteBuf message, String recordId) {
        // everything is read out of the buffer now: the caller releases it when this returns
        MessageMetadata metadata = new MessageMetadata();
        byte[] value;
        ByteBuf data = MessageCopies.parse(message, metadata);
        try {
            value = payload(metadata, data);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            data.release();
        }
        String key = metadata.hasPartitionKey() && !metadata.isPartitionKeyB64Encoded() ? metadata.getPartitionKey()
                : null;
        byte[] keyBytes = metadata.hasPartitionKey() && metadata.isPartitionKeyB64Encoded()
                ? Base64.getDecoder().decode(metadata.getPartitionKey()) : null;
        byte[] orderingKey = metadata.hasOrderingKey() ? metadata.getOrderingKey() : null;
        long eventTime = metadata.hasEventTime() ? metadata.getEventTime() : 0;
        Map<String, String> properties = new HashMap<>();
        for (KeyValue kv : metadata.getPropertiesList()) {
            properties.put(kv.getKey(), kv.getValue());
        }
        properties.put(RetryProperties.RECORD_ID, recordId);
        return producer(topic).thenCompose(producer -> {
            TypedMessageBuilder<byte[]> m = producer.newMessage().value(value).properties(properties);
            if (key != null) {
                m.key(key);
            } else if (keyBytes != null) {
                m.keyBytes(keyBytes);
            }
            if (orderingKey != null) {
                m.orderingKey(orderingKey);
            }
            if (eventTime > 0) {
                m.eventTime(eventTime);
            }
            return m.sendAsync();
        }).whenComplete((id, error) -> {
            CompletableFuture<Producer<byte[]>> created = producers.get(topic);
            if (error != null && created != null && created.isCompletedExceptionally()) {
                producers.remove(topic, created); // the next dead letter tries to create it again
            }
        });
    }

    private static byte[] payload(MessageMetadata metadata, ByteBuf data) throws Exception {
        ByteBuf payload = metadata.getCompression() == CompressionType.NONE ? data.retain()
                : CompressionCodecProvider.getCompressionCodec(metadata.getCompression())
                        .decode(data, metadata.getUncompressedSize());
        try {
            byte[] bytes = new byte[payload.readableBytes()];
            payload.getBytes(payload.readerIndex(), bytes);
            return bytes;
        } finally {
            payload.release();
        }
    }

    private CompletableFuture<Producer<byte[]>> producer(String topic) {
        return producers.computeIfAbsent(topic, name -> {
            try {
                return client.get().newProducer(Schema.BYTES)
                        .topic(name)
                        .producerName(PRODUCER_PREFIX + brokerId.get())
                        .enableBatching(false)
                        .blockIfQueueFull(true)
                        .sendTimeout(30, TimeUnit.SECONDS)
                        .createAsync();
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    /**
     * What identifies a dead letter in its topic: the subscription that failed it, its original id and how often
     * it was re-driven before.
     */
    public static String identity(String subscription, String originMessageId, String redrives) {
        return subscription + '\u0000' + originMessageId + '\u0000' + (redrives == null ? "0" : redrives);
    }

    /**
     * The {@link #identity identities} of the dead letters {@code topic} received since {@code sinceMillis}: read
     * once per dead-letter topic after the timer log was recovered, so that neither a dead letter published
     * just before a crash nor a second chain of redeliveries (a failed message whose acknowledgement the crash
     * lost) puts a message into the dead-letter topic twice.
     */
    public CompletableFuture<Set<String>> publishedSince(String topic, long sinceMillis) {
        CompletableFuture<Set<String>> result = new CompletableFuture<>();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        try {
            client.get().newReader(Schema.BYTES)
                    .topic(topic)
                    .startMessageId(MessageId.earliest)
                    .startMessageFromRollbackDuration(Math.max(1, System.currentTimeMillis() - sinceMillis),
                            TimeUnit.MILLISECONDS)
                    .createAsync()
                    .thenAccept(reader -> readAll(reader, ids, result))
                    .exceptionally(e -> {
                        result.completeExceptionally(e);
                        return null;
                    });
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void readAll(Reader<byte[]> reader, Set<String> ids, CompletableFuture<Set<String>> result) {
        reader.hasMessageAvailableAsync().thenCompose(available -> {
            if (!available) {
                reader.closeAsync();
                result.complete(ids);
                return CompletableFuture.completedFuture(null);
            }
            return reader.readNextAsync().thenAcceptAsync((Message<byte[]> message) -> {
                String subscription = message.getProperty(RetryProperties.REAL_SUBSCRIPTION);
                String origin = message.getProperty(RetryProperties.ORIGIN_MESSAGE_ID);
                if (subscription != null && origin != null) {
                    ids.add(identity(subscription, origin, message.getProperty(RetryProperties.REDRIVES)));
                }
                readAll(reader, ids, result);
            });
        }).exceptionally(e -> {
            reader.closeAsync();
            result.completeExceptionally(e);
            return null;
        });
    }

    @Override
    public void close() {
        producers.values().forEach(p -> p.thenAccept(Producer::closeAsync).exceptionally(e -> null));
        producers.clear();
        log.debug("Dead-letter producers closed");
    }
}
