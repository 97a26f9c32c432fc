package io.magnetar.retry.admin;

import io.magnetar.api.InternalNames;
import io.magnetar.retry.RetryProperties;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.apache.pulsar.common.naming.TopicName;

/**
 * Re-drives through the broker's own client: an exclusive consumer of the dead-letter topic (subscription
 * {@code magnetar-redrive}, so two re-drives of one topic never run at once and each continues where the last one
 * stopped) and one unbatched producer per target partition. Each message is published for the subscription alone
 * (routed by {@link RetryProperties#REDELIVER_TO}, never replicated), without its reconsume count, and acknowledged
 * on the dead-letter topic (with receipt) only once the broker stored it.
 */
public final class ClientRedriver implements DeadLettersResource.Redriver {
    static final String SUBSCRIPTION = InternalNames.REDRIVE_SUBSCRIPTION;
    private static final int QUIET_MILLIS = 1_000;

    /** The broker's client, created by the broker on first use. */
    public interface ClientSource {
        PulsarClient get() throws Exception;
    }

    /**
     * The prefix of Magnetar's own producers: the topic appends what they send as it is, never taking a re-driven
     * message for a scheduled or transactional one.
     */
    static final String PRODUCER_PREFIX = InternalNames.PUBLISHER_PREFIX;

    private final ClientSource client;
    private final ExecutorService executor;
    private final Supplier<String> brokerId;
    private final AtomicLong producersCreated = new AtomicLong();

    public ClientRedriver(ClientSource client, ExecutorService executor, Supplier<String> brokerId) {
        this.client = client;
        this.executor = executor;
        this.brokerId = brokerId;
    }

    @Override
    public CompletableFuture<Long> redrive(String deadLetterTopic, String topic, String subscription, long max) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return move(deadLetterTopic, topic, subscription, max);
            } catch (PulsarClientException.ConsumerBusyException e) {
                throw new IllegalStateException("another re-drive of " + deadLetterTopic + " is running", e);
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, executor);
    }

    private long move(String deadLetterTopic, String topic, String subscription, long max) throws Exception {
        PulsarClient pulsar = client.get();
        Map<String, Producer<byte[]>> producers = new HashMap<>();
        long moved = 0;
        try (Consumer<byte[]> consumer = pulsar.newConsumer(Schema.BYTES).topic(deadLetterTopic)
                .subscriptionName(SUBSCRIPTION).subscriptionType(SubscriptionType.Exclusive)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .isAckReceiptEnabled(true).receiverQueueSize(100).subscribe()) {
            while (moved < max) {
                Message<byte[]> message = consumer.receive(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                if (message == null) {
                    break;
                }
                String target = target(message.getProperty(RetryProperties.REAL_TOPIC), topic);
                Producer<byte[]> producer = producers.get(target);
                if (producer == null) {
                    producer = pulsar.newProducer(Schema.BYTES).topic(target).enableBatching(false)
                            .producerName(PRODUCER_PREFIX + "redrive-" + brokerId.get() + "-" + producersCreated.incrementAndGet())
                            .blockIfQueueFull(true).create();
                    producers.put(target, producer);
                }
                redriven(producer.newMessage(), message, subscription).send();
                consumer.acknowledge(message);
                moved++;
            }
        } finally {
            for (Producer<byte[]> producer : producers.values()) {
                producer.closeAsync();
            }
        }
        return moved;
    }

    /** The partition the message failed on, when it is one of {@code topic}'s; else {@code topic}. */
    static String target(String realTopic, String topic) {
        if (realTopic == null) {
            return topic;
        }
        try {
            TopicName real = TopicName.get(realTopic);
            return real.getPartitionedTopicName().equals(TopicName.get(topic).getPartitionedTopicName())
                    ? real.toString() : topic;
        } catch (RuntimeException e) {
            return topic;
        }
    }

    static TypedMessageBuilder<byte[]> redriven(TypedMessageBuilder<byte[]> builder, Message<byte[]> message,
                                                String subscription) {
        Map<String, String> properties = new HashMap<>(message.getProperties());
        properties.remove(RetryProperties.RECONSUME_TIMES);
        properties.remove(RetryProperties.LAST_FAILURE_TIME);
        properties.remove(RetryProperties.RECORD_ID);
        int redrives = 0;
        try {
            redrives = Integer.parseInt(properties.getOrDefault(RetryProperties.REDRIVES, "0"));
        } catch (NumberFormatException e) {
            // counted from zero again
        }
        properties.put(RetryProperties.REDRIVES, Integer.toString(redrives + 1));
        properties.put(RetryProperties.REDELIVER_TO, subscription);
        builder.value(message.getValue()).properties(properties).disableReplication();
        if (message.hasKey()) {
            if (message.hasBase64EncodedKey()) {
                builder.keyBytes(message.getKeyBytes());
            } else {
                builder.key(message.getKey());
            }
        }
        if (message.hasOrderingKey()) {
            builder.orderingKey(message.getOrderingKey());
        }
        if (message.getEventTime() > 0) {
            builder.eventTime(message.getEventTime());
        }
        return builder;
    }
}
