package io.magnetar.rocketmq.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.rocketmq.remoting.HeaderSerialization;
import io.magnetar.rocketmq.remoting.RemotingCodec;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.RequestCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.common.UtilAll;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageBatch;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeaderV2;
import org.apache.rocketmq.remoting.protocol.SerializeType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Send requests exactly as the official 4.9.8 client builds them ({@code MQClientAPIImpl.sendMessage}). */
class SendRequestTest {
    private static final int LIMIT = 1024 * 1024;
    private final RemotingCodec codec = new RemotingCodec(4 * LIMIT, 64 * 1024);

    private static SendMessageRequestHeader header(Message message, int queueId, int sysFlag, boolean batch) {
        SendMessageRequestHeader h = new SendMessageRequestHeader();
        h.setProducerGroup("pg");
        h.setTopic(message.getTopic());
        h.setDefaultTopic("TBW102");
        h.setDefaultTopicQueueNums(4);
        h.setQueueId(queueId);
        h.setSysFlag(sysFlag);
        h.setBornTimestamp(1_700_000_000_123L);
        h.setFlag(message.getFlag());
        h.setProperties(MessageDecoder.messageProperties2String(message.getProperties()));
        h.setReconsumeTimes(0);
        h.setBatch(batch);
        return h;
    }

    /** What the client puts on the wire for {@code code}, read back through our codec. */
    private RemotingCommand wire(int code, SendMessageRequestHeader h, byte[] body, SerializeType type)
            throws Exception {
        org.apache.rocketmq.remoting.protocol.RemotingCommand request = code == RequestCode.SEND_MESSAGE
                ? org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(code, h)
                : org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(code,
                        SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
        request.setSerializeTypeCurrentRPC(type);
        request.setBody(body);
        ByteBuf frame = Unpooled.wrappedBuffer(request.encode());
        frame.skipBytes(4);
        return codec.decode(frame);
    }

    private static Message message(String body) {
        Message m = new Message("orders", "TagA", "k1 k2", body.getBytes(StandardCharsets.UTF_8));
        m.putUserProperty("color", "blue");
        m.setFlag(5);
        MessageClientIDSetter.setUniqID(m);
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2})
    void aSingleSendKeepsBodyFlagAndProperties(int code) throws Exception {
        Message m = message("hello");
        SendRequest send = SendRequest.parse(wire(code, header(m, 3, 0, false), m.getBody(), SerializeType.JSON),
                LIMIT);
        assertEquals("pg", send.producerGroup());
        assertEquals("orders", send.topic());
        assertEquals(3, send.queueId());
        assertEquals(1_700_000_000_123L, send.bornTimestamp());
        assertFalse(send.batch());
        RocketMqMessage only = send.messages().get(0);
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), only.body());
        assertEquals(5, only.flag());
        assertEquals("TagA", only.properties().get(RocketMqProperties.TAGS));
        assertEquals("k1 k2", only.properties().get(RocketMqProperties.KEYS));
        assertEquals("blue", only.properties().get("color"));
        assertEquals(MessageClientIDSetter.getUniqID(m), only.properties().get(RocketMqProperties.UNIQ_KEY));
    }

    @Test
    void theBinaryHeaderGivesTheSameRequest() throws Exception {
        Message m = message("hello");
        RemotingCommand command = wire(RequestCode.SEND_MESSAGE_V2, header(m, 1, 0, false), m.getBody(),
                SerializeType.ROCKETMQ);
        assertEquals(HeaderSerialization.ROCKETMQ, command.serialization());
        SendRequest send = SendRequest.parse(command, LIMIT);
        assertEquals(1, send.queueId());
        assertEquals("blue", send.messages().get(0).properties().get("color"));
    }

    @Test
    void aCompressedBodyIsInflated() throws Exception {
        String text = "x".repeat(10_000);
        Message m = message(text);
        byte[] compressed = UtilAll.compress(m.getBody(), 5);
        SendRequest send = SendRequest.parse(wire(RequestCode.SEND_MESSAGE_V2, header(m, 0, 0x1, false), compressed,
                SerializeType.JSON), LIMIT);
        assertEquals(text, new String(send.messages().get(0).body(), StandardCharsets.UTF_8));
    }

    @Test
    void aCompressedBodyInflatingPastTheLimitIsRefused() throws Exception {
        Message m = message("y".repeat(LIMIT + 1));
        byte[] compressed = UtilAll.compress(m.getBody(), 5);
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> SendRequest.parse(
                wire(RequestCode.SEND_MESSAGE_V2, header(m, 0, 0x1, false), compressed, SerializeType.JSON), LIMIT));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }

    @Test
    void aCompressionTypeOtherThanZlibIsRefused() throws Exception {
        Message m = message("z");
        int lz4 = 0x1 | (0x1 << 8);
        assertThrows(InvalidMessageException.class, () -> SendRequest.parse(
                wire(RequestCode.SEND_MESSAGE_V2, header(m, 0, lz4, false), m.getBody(), SerializeType.JSON), LIMIT));
    }

    @Test
    void aBatchGivesEachMessageWithItsOwnProperties() throws Exception {
        Message a = message("a");
        Message b = message("bb");
        b.setTags("TagB");
        b.putUserProperty("color", "red");
        MessageBatch batch = MessageBatch.generateFromList(List.of(a, b));
        batch.setBody(batch.encode());
        SendRequest send = SendRequest.parse(wire(RequestCode.SEND_BATCH_MESSAGE, header(batch, 2, 0, true),
                batch.getBody(), SerializeType.JSON), LIMIT);
        assertTrue(send.batch());
        assertEquals(2, send.messages().size());
        assertEquals("a", new String(send.messages().get(0).body(), StandardCharsets.UTF_8));
        assertEquals("bb", new String(send.messages().get(1).body(), StandardCharsets.UTF_8));
        assertEquals("TagA", send.messages().get(0).properties().get("TAGS"));
        assertEquals("TagB", send.messages().get(1).properties().get("TAGS"));
        assertEquals("red", send.messages().get(1).properties().get("color"));
        assertEquals(MessageClientIDSetter.getUniqID(b), send.messages().get(1).properties().get("UNIQ_KEY"));
    }

    @Test
    void aTruncatedOrInconsistentBatchIsRefused() throws Exception {
        Message a = message("abc");
        byte[] encoded = MessageDecoder.encodeMessage(a);
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 3);
        assertThrows(InvalidMessageException.class, () -> SendRequest.decodeBatch(truncated, LIMIT));
        byte[] wrongTotal = encoded.clone();
        wrongTotal[3] = (byte) (wrongTotal[3] + 1);
        assertThrows(InvalidMessageException.class, () -> SendRequest.decodeBatch(wrongTotal, LIMIT));
        byte[] hugeBody = encoded.clone();
        hugeBody[16] = 0x7f;
        assertThrows(InvalidMessageException.class, () -> SendRequest.decodeBatch(hugeBody, LIMIT));
    }

    @Test
    void missingOrNonNumericHeaderFieldsAreRefused() {
        RemotingCommand noTopic = new RemotingCommand(RequestCode.SEND_MESSAGE_V2, "JAVA", 0, 1, 0, null,
                Map.of("a", "pg", "e", "0", "f", "0", "g", "1", "h", "0"), new byte[1], HeaderSerialization.JSON);
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> SendRequest.parse(noTopic, LIMIT));
        assertTrue(e.getMessage().contains(" b "), e.getMessage());
        RemotingCommand badQueue = new RemotingCommand(RequestCode.SEND_MESSAGE_V2, "JAVA", 0, 1, 0, null,
                Map.of("a", "pg", "b", "t", "e", "x", "f", "0", "g", "1", "h", "0"), new byte[1],
                HeaderSerialization.JSON);
        assertThrows(InvalidMessageException.class, () -> SendRequest.parse(badQueue, LIMIT));
        RemotingCommand noBody = new RemotingCommand(RequestCode.SEND_MESSAGE_V2, "JAVA", 0, 1, 0, null,
                Map.of("a", "pg", "b", "t", "e", "0", "f", "0", "g", "1", "h", "0"), null, HeaderSerialization.JSON);
        assertThrows(InvalidMessageException.class, () -> SendRequest.parse(noBody, LIMIT));
    }
}
