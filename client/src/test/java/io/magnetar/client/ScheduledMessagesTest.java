package io.magnetar.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.junit.jupiter.api.Test;

class ScheduledMessagesTest {
    @SuppressWarnings("unchecked")
    private final TypedMessageBuilder<String> message = mock(TypedMessageBuilder.class);

    @Test
    void setsTheWirePropertiesTheBrokerReads() {
        when(message.property(anyString(), anyString())).thenReturn(message);
        ScheduledMessages.delayLevel(message, 3);
        verify(message).property("DELAY", "3");
        ScheduledMessages.deliverAfter(message, Duration.ofSeconds(90));
        verify(message).property("TIMER_DELAY_MS", "90000");
        ScheduledMessages.deliverAt(message, Instant.ofEpochMilli(1_800_000_000_000L));
        verify(message).property("TIMER_DELIVER_MS", "1800000000000");
    }

    @Test
    void refusesWhatTheBrokerWouldRefuseBeforeSending() {
        assertThrows(IllegalArgumentException.class, () -> ScheduledMessages.delayLevel(message, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ScheduledMessages.deliverAfter(message, Duration.ofMillis(-1)));
        verify(message, never()).property(anyString(), anyString());
    }

    @Test
    void producersForScheduledSendsDoNotBatch() {
        @SuppressWarnings("unchecked")
        ProducerBuilder<String> builder = mock(ProducerBuilder.class);
        when(builder.enableBatching(false)).thenReturn(builder);
        ScheduledMessages.producer(builder);
        verify(builder).enableBatching(false);
    }
}
