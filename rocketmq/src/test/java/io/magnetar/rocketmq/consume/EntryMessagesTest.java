package io.magnetar.rocketmq.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.magnetar.rocketmq.message.PulsarEntries;
import io.magnetar.rocketmq.message.RocketMqMessage;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pulsar.common.intercept.AppendIndexMetadataInterceptor;
import org.apache.pulsar.common.intercept.BrokerEntryMetadataInterceptor;
import org.apache.pulsar.common.protocol.Commands;
import org.junit.jupiter.api.Test;

/** Stored entries, with the broker-entry index the broker adds, read back as queue messages. */
class EntryMessagesTest {
    private final AppendIndexMetadataInterceptor index = new AppendIndexMetadataInterceptor();
    private final Set<BrokerEntryMetadataInterceptor> interceptors = Set.of(index);

    private ByteBuf stored(List<RocketMqMessage> messages) {
        ByteBuf entry = PulsarEntries.entry("p", 1, 1000, 900, messages, Map.of());
        return Commands.addBrokerEntryMetadata(entry, interceptors, messages.size());
    }

    private static RocketMqMessage m(String body, String tag) {
        return new RocketMqMessage(body.getBytes(StandardCharsets.UTF_8), 0, Map.of("TAGS", tag));
    }

    @Test
    void offsetsCountEveryMessageOfEveryEntry() throws Exception {
        ByteBuf single = stored(List.of(m("a", "A")));
        ByteBuf batch = stored(List.of(m("b", "B"), m("c", "C"), m("d", "D")));
        try {
            assertEquals(0, EntryMessages.lastOffset(single));
            assertEquals(3, EntryMessages.lastOffset(batch));
            List<StoredMessage> first = EntryMessages.read(single, 0);
            assertEquals(1, first.size());
            assertEquals(0, first.get(0).offset());
            assertEquals(900, first.get(0).eventTime());
            assertEquals(1000, first.get(0).publishTime());
            List<StoredMessage> rest = EntryMessages.read(batch, 0);
            assertEquals(List.of(1L, 2L, 3L), rest.stream().map(StoredMessage::offset).toList());
            assertEquals("C", rest.get(1).properties().get("TAGS"));
            assertEquals("d", new String(rest.get(2).body(), StandardCharsets.UTF_8));
            assertEquals(1000, EntryMessages.publishTime(batch));
        } finally {
            single.release();
            batch.release();
        }
    }

    @Test
    void aReadFromInsideABatchLeavesOutTheMessagesBelow() throws Exception {
        ByteBuf batch = stored(List.of(m("b", "B"), m("c", "C"), m("d", "D")));
        try {
            int readerIndex = batch.readerIndex();
            assertEquals(List.of(1L, 2L), EntryMessages.read(batch, 1).stream().map(StoredMessage::offset).toList());
            assertEquals(readerIndex, batch.readerIndex(), "the entry is not consumed by a read");
        } finally {
            batch.release();
        }
    }

    @Test
    void anEntryWithoutIndexGivesNothing() throws Exception {
        ByteBuf plain = PulsarEntries.entry("p", 1, 1000, 900, List.of(m("a", "A")), Map.of());
        try {
            assertEquals(-1, EntryMessages.lastOffset(plain));
            assertEquals(List.of(), EntryMessages.read(plain, 0));
        } finally {
            plain.release();
        }
    }
}
