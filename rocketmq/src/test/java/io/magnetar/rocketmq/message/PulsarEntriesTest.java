package io.magnetar.rocketmq.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.api.proto.SingleMessageMetadata;
import org.apache.pulsar.common.protocol.Commands;
import org.junit.jupiter.api.Test;

/** The entries Pulsar stores for RocketMQ sends, read back the way the broker and Pulsar consumers read them. */
class PulsarEntriesTest {
    private static Map<String, String> props(List<KeyValue> kvs) {
        return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue, (a, b) -> b,
                LinkedHashMap::new));
    }

    @Test
    void aSingleMessageIsAPlainEntryWithItsPropertiesAndFlag() {
        RocketMqMessage m = new RocketMqMessage("hi".getBytes(StandardCharsets.UTF_8), 3,
                Map.of("TAGS", "TagA", "KEYS", "k"));
        ByteBuf entry = PulsarEntries.entry("rocketmq-pg", 9, 1000, 900, List.of(m), Map.of("ROCKETMQ_BORN_HOST", "h:1"));
        try {
            assertEquals(true, Commands.hasChecksum(entry));
            MessageMetadata md = Commands.parseMessageMetadata(entry);
            assertEquals("rocketmq-pg", md.getProducerName());
            assertEquals(9, md.getSequenceId());
            assertEquals(900, md.getEventTime());
            assertFalse(md.hasNumMessagesInBatch());
            Map<String, String> p = props(md.getPropertiesList());
            assertEquals("TagA", p.get("TAGS"));
            assertEquals("k", p.get("KEYS"));
            assertEquals("3", p.get(RocketMqProperties.MESSAGE_FLAG));
            assertEquals("h:1", p.get(RocketMqProperties.BORN_HOST));
            assertEquals("hi", entry.toString(StandardCharsets.UTF_8));
        } finally {
            entry.release();
        }
    }

    @Test
    void aBatchIsAPulsarBatchWhoseMessagesKeepTheirOwnProperties() throws Exception {
        List<RocketMqMessage> batch = List.of(
                new RocketMqMessage("a".getBytes(StandardCharsets.UTF_8), 0, Map.of("TAGS", "TagA")),
                new RocketMqMessage("bb".getBytes(StandardCharsets.UTF_8), 0, Map.of("TAGS", "TagB", "x", "1")));
        ByteBuf entry = PulsarEntries.entry("p", 1, 1000, 900, batch, Map.of());
        try {
            MessageMetadata md = Commands.parseMessageMetadata(entry);
            assertEquals(2, md.getNumMessagesInBatch());
            SingleMessageMetadata first = new SingleMessageMetadata();
            ByteBuf a = Commands.deSerializeSingleMessageInBatch(entry, first, 0, 2);
            assertEquals("a", a.toString(StandardCharsets.UTF_8));
            assertEquals(Map.of("TAGS", "TagA"), props(first.getPropertiesList()));
            a.release();
            SingleMessageMetadata second = new SingleMessageMetadata();
            ByteBuf b = Commands.deSerializeSingleMessageInBatch(entry, second, 1, 2);
            assertEquals("bb", b.toString(StandardCharsets.UTF_8));
            assertEquals(Map.of("TAGS", "TagB", "x", "1"), props(second.getPropertiesList()));
            assertEquals(900, second.getEventTime());
            b.release();
        } finally {
            entry.release();
        }
    }
}
