package io.magnetar.rocketmq.consume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

/** Pull bodies as the official client's {@code MessageDecoder.decodes} reads them. */
class PulledMessagesTest {
    private static final InetSocketAddress STORE = new InetSocketAddress("10.0.0.9", 9876);

    @Test
    void theClientDecodesEveryMessageWithItsOffsetsHostsAndProperties() {
        StoredMessage a = new StoredMessage(40, 2000, 1500, null, "a".getBytes(StandardCharsets.UTF_8),
                Map.of("TAGS", "TagA", "ROCKETMQ_FLAG", "7", "ROCKETMQ_BORN_HOST", "10.0.0.1:5555",
                        "UNIQ_KEY", "U1"));
        StoredMessage b = new StoredMessage(41, 2001, 0, "pk", "bb".getBytes(StandardCharsets.UTF_8),
                Map.of("RECONSUME_TIME", "2"));
        byte[] body = PulledMessages.encode(List.of(PulledMessages.of(a, "orders", 3, STORE),
                PulledMessages.of(b, "orders", 3, STORE)));
        List<MessageExt> decoded = MessageDecoder.decodes(ByteBuffer.wrap(body));
        assertEquals(2, decoded.size());
        MessageExt first = decoded.get(0);
        assertEquals("orders", first.getTopic());
        assertEquals(3, first.getQueueId());
        assertEquals(40, first.getQueueOffset());
        assertEquals(7, first.getFlag());
        assertEquals(1500, first.getBornTimestamp());
        assertEquals(2000, first.getStoreTimestamp());
        assertEquals(new InetSocketAddress("10.0.0.1", 5555), first.getBornHost());
        assertEquals(STORE, first.getStoreHost());
        assertEquals("TagA", first.getTags());
        assertEquals("U1", first.getProperty("UNIQ_KEY"));
        assertNull(first.getProperty("ROCKETMQ_FLAG"));
        assertNull(first.getProperty("ROCKETMQ_BORN_HOST"));
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), first.getBody());
        MessageExt second = decoded.get(1);
        assertEquals(41, second.getQueueOffset());
        assertEquals(2001, second.getBornTimestamp(), "no event time: the publish time");
        assertEquals("pk", second.getKeys(), "a Pulsar message key becomes KEYS");
        assertEquals(2, second.getReconsumeTimes());
        assertEquals(body.length, first.getStoreSize() + second.getStoreSize());
    }

    @Test
    void ipv6HostsAreMarkedInTheSysFlag() {
        StoredMessage m = new StoredMessage(0, 1, 1, null, new byte[0], Map.of("ROCKETMQ_BORN_HOST", "[::1]:7"));
        byte[] body = PulledMessages.encode(List.of(PulledMessages.of(m, "t", 0,
                new InetSocketAddress("::2", 9876))));
        MessageExt decoded = MessageDecoder.decodes(ByteBuffer.wrap(body)).get(0);
        assertEquals(new InetSocketAddress("::1", 7), decoded.getBornHost());
        assertEquals(new InetSocketAddress("::2", 9876), decoded.getStoreHost());
    }

    @Test
    void hostNamesAreNeverLookedUp() {
        assertNull(PulledMessages.parseHost("example.invalid:80"));
        assertNull(PulledMessages.parseHost("nohost"));
        assertEquals(new InetSocketAddress("127.0.0.1", 1), PulledMessages.parseHost("127.0.0.1:1"));
    }
}
