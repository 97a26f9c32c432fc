package io.magnetar.rocketmq.remoting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RocketMQ's remoting frame, without I/O:
 * <pre>
 * int totalLength (of what follows)
 * int headerLengthWithType: high byte = {@link HeaderSerialization}, low 3 bytes = header length
 * header (JSON or ROCKETMQ binary)
 * body (totalLength - 4 - header length bytes)
 * </pre>
 * The binary header: short code, byte language, short version, int opaque, int flag, int remark length + UTF-8,
 * int ext length + (short key length, key, int value length, value)*.
 */
public final class RemotingCodec {
    /** Language codes of RocketMQ's {@code LanguageCode}, by ordinal code. */
    private static final List<String> LANGUAGES = List.of("JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG",
            "RUBY", "OTHER", "HTTP", "GO", "PHP", "OMS", "RUST", "NODE_JS");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxFrameBytes;
    private final int maxHeaderBytes;

    /**
     * @param maxFrameBytes the largest {@code totalLength} accepted
     * @param maxHeaderBytes the largest header accepted
     */
    public RemotingCodec(int maxFrameBytes, int maxHeaderBytes) {
        this.maxFrameBytes = maxFrameBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * Checks a frame's length word before anything is allocated for it.
     *
     * @throws MalformedFrameException when it is below the smallest frame or above the limit
     */
    public void checkFrameLength(int totalLength) throws MalformedFrameException {
        if (totalLength < 4) {
            throw new MalformedFrameException("frame length " + totalLength + " < 4");
        }
        if (totalLength > maxFrameBytes) {
            throw new MalformedFrameException("frame length " + totalLength + " > limit " + maxFrameBytes);
        }
    }

    /**
     * Decodes one frame's content (after its length word).
     *
     * @param frame exactly {@code totalLength} readable bytes; read fully, not released
     */
    public RemotingCommand decode(ByteBuf frame) throws MalformedFrameException {
        int totalLength = frame.readableBytes();
        checkFrameLength(totalLength);
        int lengthWithType = frame.readInt();
        HeaderSerialization serialization = HeaderSerialization.of((lengthWithType >>> 24) & 0xFF);
        int headerLength = lengthWithType & 0xFFFFFF;
        if (headerLength > maxHeaderBytes) {
            throw new MalformedFrameException("header length " + headerLength + " > limit " + maxHeaderBytes);
        }
        if (headerLength > frame.readableBytes()) {
            throw new MalformedFrameException("header length " + headerLength + " > frame rest "
                    + frame.readableBytes());
        }
        ByteBuf header = frame.readSlice(headerLength);
        RemotingCommand headerOnly = serialization == HeaderSerialization.JSON
                ? decodeJson(header) : decodeBinary(header);
        byte[] body = null;
        if (frame.isReadable()) {
            body = new byte[frame.readableBytes()];
            frame.readBytes(body);
        }
        return new RemotingCommand(headerOnly.code(), headerOnly.language(), headerOnly.version(),
                headerOnly.opaque(), headerOnly.flag(), headerOnly.remark(), headerOnly.extFields(), body,
                serialization);
    }

    private static RemotingCommand decodeJson(ByteBuf header) throws MalformedFrameException {
        byte[] bytes = new byte[header.readableBytes()];
        header.readBytes(bytes);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new MalformedFrameException("JSON header does not parse: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("code").canConvertToInt()) {
            throw new MalformedFrameException("JSON header without a numeric code");
        }
        Map<String, String> ext = new LinkedHashMap<>();
        JsonNode extNode = root.path("extFields");
        if (extNode.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = extNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNull()) {
                    ext.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
                }
            }
        } else if (!extNode.isMissingNode() && !extNode.isNull()) {
            throw new MalformedFrameException("JSON header's extFields is not an object");
        }
        JsonNode language = root.path("language");
        return new RemotingCommand(root.path("code").intValue(),
                language.isTextual() ? language.textValue() : "JAVA",
                root.path("version").asInt(0), root.path("opaque").asInt(0), root.path("flag").asInt(0),
                root.path("remark").isTextual() ? root.path("remark").textValue() : null, ext, null,
                HeaderSerialization.JSON);
    }

    private static RemotingCommand decodeBinary(ByteBuf header) throws MalformedFrameException {
        if (header.readableBytes() < 2 + 1 + 2 + 4 + 4 + 4 + 4) {
            throw new MalformedFrameException("binary header of " + header.readableBytes() + " bytes is too short");
        }
        int code = header.readShort();
        int languageCode = header.readByte();
        int version = header.readShort();
        int opaque = header.readInt();
        int flag = header.readInt();
        String remark = readString(header, header.readInt(), "remark");
        int extLength = header.readInt();
        if (extLength < 0 || extLength > header.readableBytes()) {
            throw new MalformedFrameException("binary header's ext length " + extLength + " > rest "
                    + header.readableBytes());
        }
        Map<String, String> ext = new LinkedHashMap<>();
        ByteBuf extBytes = header.readSlice(extLength);
        while (extBytes.isReadable()) {
            if (extBytes.readableBytes() < 2) {
                throw new MalformedFrameException("binary header's ext field truncated");
            }
            String key = readString(extBytes, extBytes.readShort(), "ext key");
            if (extBytes.readableBytes() < 4) {
                throw new MalformedFrameException("binary header's ext value truncated");
            }
            ext.put(key, readString(extBytes, extBytes.readInt(), "ext value"));
        }
        String language = languageCode >= 0 && languageCode < LANGUAGES.size() ? LANGUAGES.get(languageCode) : "OTHER";
        return new RemotingCommand(code, language, version, opaque, flag, remark, ext, null,
                HeaderSerialization.ROCKETMQ);
    }

    private static String readString(ByteBuf buf, int length, String what) throws MalformedFrameException {
        if (length == 0) {
            return null;
        }
        if (length < 0 || length > buf.readableBytes()) {
            throw new MalformedFrameException("binary header's " + what + " length " + length + " > rest "
                    + buf.readableBytes());
        }
        String s = buf.toString(buf.readerIndex(), length, StandardCharsets.UTF_8);
        buf.skipBytes(length);
        return s;
    }

    /** The whole frame, length word included, in the command's serialization. */
    public ByteBuf encode(RemotingCommand command, ByteBufAllocator allocator) {
        byte[] header = command.serialization() == HeaderSerialization.JSON
                ? encodeJson(command) : encodeBinary(command);
        int bodyLength = command.body() == null ? 0 : command.body().length;
        ByteBuf out = allocator.buffer(8 + header.length + bodyLength);
        out.writeInt(4 + header.length + bodyLength);
        out.writeInt((command.serialization().code() << 24) | (header.length & 0xFFFFFF));
        out.writeBytes(header);
        if (bodyLength > 0) {
            out.writeBytes(command.body());
        }
        return out;
    }

    private static byte[] encodeJson(RemotingCommand c) {
        ObjectNode root = JSON.createObjectNode();
        root.put("code", c.code());
        if (!c.extFields().isEmpty()) {
            ObjectNode ext = root.putObject("extFields");
            c.extFields().forEach(ext::put);
        }
        root.put("flag", c.flag());
        root.put("language", c.language());
        root.put("opaque", c.opaque());
        if (c.remark() != null) {
            root.put("remark", c.remark());
        }
        root.put("serializeTypeCurrentRPC", "JSON");
        root.put("version", c.version());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serializes", e);
        }
    }

    private static byte[] encodeBinary(RemotingCommand c) {
        byte[] remark = c.remark() == null ? new byte[0] : c.remark().getBytes(StandardCharsets.UTF_8);
        int extLength = 0;
        for (Map.Entry<String, String> e : c.extFields().entrySet()) {
            extLength += 2 + utf8Length(e.getKey()) + 4 + utf8Length(e.getValue());
        }
        ByteBuf buf = io.netty.buffer.Unpooled.buffer(2 + 1 + 2 + 4 + 4 + 4 + remark.length + 4 + extLength);
        buf.writeShort(c.code());
        int language = LANGUAGES.indexOf(c.language());
        buf.writeByte(language < 0 ? LANGUAGES.indexOf("OTHER") : language);
        buf.writeShort(c.version());
        buf.writeInt(c.opaque());
        buf.writeInt(c.flag());
        buf.writeInt(remark.length);
        buf.writeBytes(remark);
        buf.writeInt(extLength);
        for (Map.Entry<String, String> e : c.extFields().entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            buf.writeShort(k.length);
            buf.writeBytes(k);
            buf.writeInt(v.length);
            buf.writeBytes(v);
        }
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
