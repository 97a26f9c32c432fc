package io.magnetar.client;

import io.magnetar.api.MessageKeys;
import java.time.Duration;
import java.time.Instant;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * RocketMQ-style scheduled messages with the standard Pulsar Java client. The broker (Magnetar, tenant feature
 * {@code delay} on) holds such a message and appends it to its topic when due, for every subscription type.
 *
 * <pre>{@code
 * Producer<String> producer = ScheduledMessages.producer(client.newProducer(Schema.STRING).topic(t)).create();
 * ScheduledMessages.delayLevel(producer.newMessage().value("v"), 3).send();          // 10 s with the default table
 * ScheduledMessages.deliverAt(producer.newMessage().value("v"), Instant.parse("2027-01-01T00:00:00Z")).send();
 * }</pre>
 *
 * The properties are the wire convention (docs/scheduled-messages.md), so producers in other languages set them
 * the same way. Batched sends carry no per-message properties the broker can see, hence {@link #producer}.
 */
public final class ScheduledMessages {
    public static final String DELAY = MessageKeys.DELAY;
    public static final String TIMER_DELAY_MS = MessageKeys.TIMER_DELAY_MS;
    public static final String TIMER_DELIVER_MS = MessageKeys.TIMER_DELIVER_MS;

    private ScheduledMessages() {
    }

    /** A producer for scheduled sends: batching off, so each message's properties reach the broker. */
    public static <T> ProducerBuilder<T> producer(ProducerBuilder<T> builder) {
        return builder.enableBatching(false);
    }

    /** Due after the broker's delay level {@code level} (1 = first; above the table, the last level). */
    public static <T> TypedMessageBuilder<T> delayLevel(TypedMessageBuilder<T> message, int level) {
        if (level < 1) {
            throw new IllegalArgumentException("delay levels start at 1: " + level);
        }
        return message.property(DELAY, Integer.toString(level));
    }

    /** Due {@code delay} after the broker receives it. */
    public static <T> TypedMessageBuilder<T> deliverAfter(TypedMessageBuilder<T> message, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay: " + delay);
        }
        return message.property(TIMER_DELAY_MS, Long.toString(delay.toMillis()));
    }

    /** Due at {@code time} (a past time: delivered at once). */
    public static <T> TypedMessageBuilder<T> deliverAt(TypedMessageBuilder<T> message, Instant time) {
        return message.property(TIMER_DELIVER_MS, Long.toString(time.toEpochMilli()));
    }
}
