package io.magnetar.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.junit.jupiter.api.Test;

class TaggedMessagesTest {
    @SuppressWarnings("unchecked")
    private final TypedMessageBuilder<String> message = mock(TypedMessageBuilder.class);

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void theOrderingKeyNamesTheTagThenTheKey() {
        assertArrayEquals(bytes(0, 'M', 'G', 'T', 1, 'T', 'A', 'b'), TaggedMessages.batchKey("Ab", null));
        assertArrayEquals(bytes(0, 'M', 'G', 'T', 1, 'T', 'A', 0, 'k', '1'), TaggedMessages.batchKey("A", "k1"));
        assertArrayEquals(bytes(0, 'M', 'G', 'T', 1, 'N'), TaggedMessages.batchKey(null, null));
        assertArrayEquals(bytes(0, 'M', 'G', 'T', 1, 'N', 0, 'k'), TaggedMessages.batchKey(null, "k"));
        assertArrayEquals(bytes(0, 'M', 'G', 'T', 1, 'T', 0xc3, 0xa9), TaggedMessages.batchKey("é", null), "UTF-8");
    }

    @Test
    void tagSetsThePropertyTheKeyAndTheOrderingKey() {
        when(message.property(anyString(), anyString())).thenReturn(message);
        when(message.key(anyString())).thenReturn(message);
        when(message.orderingKey(any())).thenReturn(message);
        TaggedMessages.tag(message, "TagA", "order-1");
        verify(message).property("TAGS", "TagA");
        verify(message).key("order-1");
        verify(message).orderingKey(TaggedMessages.batchKey("TagA", "order-1"));
    }

    @Test
    void anUntaggedMessageHasNoTagsProperty() {
        when(message.orderingKey(any())).thenReturn(message);
        TaggedMessages.tag(message, null);
        verify(message, never()).property(anyString(), anyString());
        verify(message, never()).key(anyString());
        verify(message).orderingKey(TaggedMessages.batchKey(null, null));
    }

    @Test
    void refusesTagsTheConventionCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> TaggedMessages.tag(message, ""));
        assertThrows(IllegalArgumentException.class, () -> TaggedMessages.tag(message, "a\0b"));
        verify(message, never()).property(anyString(), anyString());
        verify(message, never()).orderingKey(any());
    }

    @Test
    void producersBatchByKey() {
        @SuppressWarnings("unchecked")
        ProducerBuilder<String> builder = mock(ProducerBuilder.class);
        when(builder.enableBatching(true)).thenReturn(builder);
        when(builder.batcherBuilder(any())).thenReturn(builder);
        TaggedMessages.producer(builder);
        verify(builder).enableBatching(true);
        verify(builder).batcherBuilder(BatcherBuilder.KEY_BASED);
    }
}
