package io.magnetar.rocketmq.remoting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.rocketmq.common.protocol.header.namesrv.GetRouteInfoRequestHeader;
import org.apache.rocketmq.remoting.protocol.LanguageCode;
import org.apache.rocketmq.remoting.protocol.SerializeType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Our codec against the official client's own {@code RemotingCommand}, in both header serializations. */
class RemotingCodecTest {
    private final RemotingCodec codec = new RemotingCodec(1024 * 1024, 8 * 1024);

    private static SerializeType theirs(HeaderSerialization s) {
        return s == HeaderSerialization.JSON ? SerializeType.JSON : SerializeType.ROCKETMQ;
    }

    private static org.apache.rocketmq.remoting.protocol.RemotingCommand clientRequest(HeaderSerialization s) {
        GetRouteInfoRequestHeader header = new GetRouteInfoRequestHeader();
        header.setTopic("orders");
        org.apache.rocketmq.remoting.protocol.RemotingCommand request =
                org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(105, header);
        request.setSerializeTypeCurrentRPC(theirs(s));
        request.setRemark("r\u00e9mark");
        request.setBody("body bytes".getBytes(StandardCharsets.UTF_8));
        request.setLanguage(LanguageCode.GO);
        return request;
    }

    private static ByteBuf frame(org.apache.rocketmq.remoting.protocol.RemotingCommand command) {
        ByteBuffer encoded = command.encode();
        return Unpooled.wrappedBuffer(encoded);
    }

    @ParameterizedTest
    @EnumSource(HeaderSerialization.class)
    void decodesWhatTheClientEncodes(HeaderSerialization s) throws Exception {
        org.apache.rocketmq.remoting.protocol.RemotingCommand request = clientRequest(s);
        EmbeddedChannel channel = new EmbeddedChannel(new RemotingFrameDecoder(codec));
        channel.writeInbound(frame(request));
        RemotingCommand decoded = channel.readInbound();
        assertEquals(105, decoded.code());
        assertEquals(request.getOpaque(), decoded.opaque());
        assertEquals(request.getVersion(), decoded.version());
        assertEquals("GO", decoded.language());
        assertEquals("r\u00e9mark", decoded.remark());
        assertEquals("orders", decoded.ext("topic"));
        assertEquals(s, decoded.serialization());
        assertFalse(decoded.isResponse());
        assertFalse(decoded.isOneway());
        assertArrayEquals("body bytes".getBytes(StandardCharsets.UTF_8), decoded.body());
    }

    @ParameterizedTest
    @EnumSource(HeaderSerialization.class)
    void theClientDecodesOurResponses(HeaderSerialization s) throws Exception {
        RemotingCommand request = new RemotingCommand(105, "JAVA", 395, 42, 0, null, Map.of(), null, s);
        RemotingCommand response = RemotingCommand.response(request, ResponseCode.TOPIC_NOT_EXIST, "no such topic",
                Map.of("msgId", "1:2:-1", "queueOffset", "7"), new byte[] {1, 2, 3});
        ByteBuf frame = codec.encode(response, ByteBufAllocator.DEFAULT);
        try {
            assertEquals(frame.readableBytes() - 4, frame.readInt());
            org.apache.rocketmq.remoting.protocol.RemotingCommand theirs =
                    org.apache.rocketmq.remoting.protocol.RemotingCommand.decode(frame.nioBuffer());
            assertEquals(ResponseCode.TOPIC_NOT_EXIST, theirs.getCode());
            assertEquals(42, theirs.getOpaque());
            assertEquals(395, theirs.getVersion());
            assertTrue(theirs.isResponseType());
            assertEquals("no such topic", theirs.getRemark());
            assertEquals("7", theirs.getExtFields().get("queueOffset"));
            assertEquals("1:2:-1", theirs.getExtFields().get("msgId"));
            assertEquals(theirs(s), theirs.getSerializeTypeCurrentRPC());
            assertArrayEquals(new byte[] {1, 2, 3}, theirs.getBody());
        } finally {
            frame.release();
        }
    }

    @Test
    void oneWayFlagIsRead() throws Exception {
        org.apache.rocketmq.remoting.protocol.RemotingCommand request = clientRequest(HeaderSerialization.JSON);
        request.markOnewayRPC();
        ByteBuf frame = frame(request);
        frame.skipBytes(4);
        assertTrue(codec.decode(frame).isOneway());
    }

    @Test
    void framesSplitAcrossReadsAndSeveralInOneReadAreAllDecoded() {
        ByteBuf a = frame(clientRequest(HeaderSerialization.JSON));
        ByteBuf b = frame(clientRequest(HeaderSerialization.ROCKETMQ));
        ByteBuf both = Unpooled.wrappedBuffer(a, b);
        EmbeddedChannel channel = new EmbeddedChannel(new RemotingFrameDecoder(codec));
        int cut = 7;
        channel.writeInbound(both.retainedSlice(0, cut));
        assertNull(channel.readInbound());
        channel.writeInbound(both.retainedSlice(cut, both.readableBytes() - cut));
        both.release();
        assertEquals(HeaderSerialization.JSON, ((RemotingCommand) channel.readInbound()).serialization());
        assertEquals(HeaderSerialization.ROCKETMQ, ((RemotingCommand) channel.readInbound()).serialization());
        assertFalse(channel.finish());
    }

    @Test
    void anOversizedFrameIsRefusedFromItsLengthWordAlone() {
        EmbeddedChannel channel = new EmbeddedChannel(new RemotingFrameDecoder(codec));
        ByteBuf lengthOnly = Unpooled.buffer(4).writeInt(1024 * 1024 + 1);
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(lengthOnly));
        assertInstanceOf(MalformedFrameException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("limit"), e.getCause().getMessage());
        // The rest of the stream is discarded, not decoded.
        channel.writeInbound(frame(clientRequest(HeaderSerialization.JSON)));
        assertNull(channel.readInbound());
    }

    @Test
    void negativeAndTinyFrameLengthsAreRefused() {
        assertThrows(MalformedFrameException.class, () -> codec.checkFrameLength(-1));
        assertThrows(MalformedFrameException.class, () -> codec.checkFrameLength(3));
    }

    @Test
    void anOversizedHeaderIsRefused() {
        ByteBuf frame = Unpooled.buffer().writeInt(8 * 1024 + 1).writeZero(16);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> codec.decode(frame));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void aHeaderLongerThanItsFrameIsRefused() {
        ByteBuf frame = Unpooled.buffer().writeInt(100).writeZero(10);
        assertThrows(MalformedFrameException.class, () -> codec.decode(frame));
    }

    @Test
    void anUnknownSerializationIsRefused() {
        ByteBuf frame = Unpooled.buffer().writeInt((7 << 24) | 2).writeBytes("{}".getBytes(StandardCharsets.UTF_8));
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> codec.decode(frame));
        assertTrue(e.getMessage().contains("serialization 7"), e.getMessage());
    }

    @Test
    void aJsonHeaderThatDoesNotParseOrHasNoCodeIsRefused() {
        byte[] garbage = "{\"code\":".getBytes(StandardCharsets.UTF_8);
        assertThrows(MalformedFrameException.class,
                () -> codec.decode(Unpooled.buffer().writeInt(garbage.length).writeBytes(garbage)));
        byte[] noCode = "{\"opaque\":1}".getBytes(StandardCharsets.UTF_8);
        assertThrows(MalformedFrameException.class,
                () -> codec.decode(Unpooled.buffer().writeInt(noCode.length).writeBytes(noCode)));
    }

    @Test
    void aBinaryHeaderWithLengthsPastItsEndIsRefused() {
        ByteBuf header = Unpooled.buffer();
        header.writeShort(105).writeByte(0).writeShort(1).writeInt(1).writeInt(0);
        header.writeInt(1000); // remark length beyond the header
        header.writeInt(0);
        ByteBuf frame = Unpooled.buffer().writeInt((1 << 24) | header.readableBytes()).writeBytes(header);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> codec.decode(frame));
        assertTrue(e.getMessage().contains("remark"), e.getMessage());

        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(105).writeByte(0).writeShort(1).writeInt(1).writeInt(0).writeInt(0);
        ext.writeInt(6).writeShort(50).writeInt(0); // a key length past the ext block
        ByteBuf frame2 = Unpooled.buffer().writeInt((1 << 24) | ext.readableBytes()).writeBytes(ext);
        assertThrows(MalformedFrameException.class, () -> codec.decode(frame2));
    }
}
