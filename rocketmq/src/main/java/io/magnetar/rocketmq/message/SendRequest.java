package io.magnetar.rocketmq.message;

import io.magnetar.rocketmq.remoting.HeaderFields;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.RequestCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A SEND_MESSAGE, SEND_MESSAGE_V2 or SEND_BATCH_MESSAGE request, parsed. SEND_MESSAGE names its header fields in
 * full; V2 and batch use the one-letter names of {@code SendMessageRequestHeaderV2} ({@code a} = producerGroup,
 * {@code b} = topic, ... {@code m} = batch).
 *
 * @param messages one message, or each message of a batch in order
 */
public record SendRequest(String producerGroup, String topic, int queueId, int sysFlag, long bornTimestamp,
        int reconsumeTimes, boolean batch, List<RocketMqMessage> messages) {
    /** {@code MessageSysFlag.COMPRESSED_FLAG}. */
    static final int COMPRESSED_FLAG = 0x1;
    /** The compression type bits RocketMQ 5 adds beside {@link #COMPRESSED_FLAG}; 0 (4.x) and ZLIB are accepted. */
    static final int COMPRESSION_TYPE_MASK = 0x7 << 8;
    static final int COMPRESSION_ZLIB = 0x3 << 8;

    /**
     * @param maxBodyBytes the largest (decompressed) body accepted, for each message
     */
    public static SendRequest parse(RemotingCommand request, int maxBodyBytes) throws InvalidMessageException {
        boolean v2 = request.code() == RequestCode.SEND_MESSAGE_V2 || request.code() == RequestCode.SEND_BATCH_MESSAGE;
        HeaderFields h = new HeaderFields(request);
        String producerGroup;
        String topic;
        int queueId;
        int sysFlag;
        long bornTimestamp;
        int flag;
        int reconsumeTimes;
        try {
            producerGroup = h.string(v2 ? "a" : "producerGroup");
            topic = h.string(v2 ? "b" : "topic");
            queueId = h.integer(v2 ? "e" : "queueId");
            sysFlag = h.integer(v2 ? "f" : "sysFlag");
            bornTimestamp = h.longValue(v2 ? "g" : "bornTimestamp");
            flag = h.integer(v2 ? "h" : "flag");
            reconsumeTimes = h.optionalInteger(v2 ? "j" : "reconsumeTimes", 0);
        } catch (HeaderFields.InvalidHeaderException e) {
            throw new InvalidMessageException(e.getMessage());
        }
        String properties = request.ext(v2 ? "i" : "properties");
        boolean batch = request.code() == RequestCode.SEND_BATCH_MESSAGE
                || Boolean.parseBoolean(request.ext(v2 ? "m" : "batch"));
        byte[] body = request.body();
        if (body == null) {
            throw new InvalidMessageException("message body is empty");
        }
        if (queueId < 0) {
            throw new InvalidMessageException("queueId " + queueId + " < 0");
        }
        List<RocketMqMessage> messages;
        if (batch) {
            messages = decodeBatch(body, maxBodyBytes);
        } else {
            byte[] plain = (sysFlag & COMPRESSED_FLAG) != 0 ? inflate(body, sysFlag, maxBodyBytes) : body;
            if (plain.length > maxBodyBytes) {
                throw new InvalidMessageException("message body of " + plain.length + " bytes > limit " + maxBodyBytes);
            }
            messages = List.of(new RocketMqMessage(plain, flag, RocketMqProperties.decode(properties)));
        }
        return new SendRequest(producerGroup, topic, queueId, sysFlag, bornTimestamp, reconsumeTimes, batch, messages);
    }

    /**
     * A batch body: for each message {@code int totalSize, int magic, int bodyCRC, int flag, int bodyLength, body,
     * short propertiesLength, properties} (RocketMQ's {@code MessageDecoder.encodeMessage}).
     */
    static List<RocketMqMessage> decodeBatch(byte[] body, int maxBodyBytes) throws InvalidMessageException {
        ByteBuffer buf = ByteBuffer.wrap(body);
        List<RocketMqMessage> messages = new ArrayList<>();
        while (buf.hasRemaining()) {
            if (buf.remaining() < 4 * 5 + 2) {
                throw new InvalidMessageException("batch truncated at message " + messages.size());
            }
            int start = buf.position();
            int totalSize = buf.getInt();
            buf.getInt(); // magic code, unused in a send
            buf.getInt(); // body CRC, unused in a send
            int flag = buf.getInt();
            int bodyLength = buf.getInt();
            if (bodyLength < 0 || bodyLength > buf.remaining() - 2 || bodyLength > maxBodyBytes) {
                throw new InvalidMessageException("batch message " + messages.size() + ": body length " + bodyLength
                        + " out of bounds");
            }
            byte[] messageBody = new byte[bodyLength];
            buf.get(messageBody);
            int propertiesLength = buf.getShort() & 0xFFFF;
            if (propertiesLength > buf.remaining()) {
                throw new InvalidMessageException("batch message " + messages.size() + ": properties length "
                        + propertiesLength + " out of bounds");
            }
            String properties = new String(body, buf.position(), propertiesLength, StandardCharsets.UTF_8);
            buf.position(buf.position() + propertiesLength);
            if (buf.position() - start != totalSize) {
                throw new InvalidMessageException("batch message " + messages.size() + ": total size " + totalSize
                        + " but " + (buf.position() - start) + " bytes read");
            }
            Map<String, String> decoded = RocketMqProperties.decode(properties);
            messages.add(new RocketMqMessage(messageBody, flag, decoded));
        }
        if (messages.isEmpty()) {
            throw new InvalidMessageException("batch without messages");
        }
        return messages;
    }

    static byte[] inflate(byte[] compressed, int sysFlag, int maxBodyBytes) throws InvalidMessageException {
        int type = sysFlag & COMPRESSION_TYPE_MASK;
        if (type != 0 && type != COMPRESSION_ZLIB) {
            throw new InvalidMessageException("compression type " + (type >> 8) + " not supported (zlib only)");
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBodyBytes, compressed.length * 4));
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new InvalidMessageException("compressed body is truncated");
                }
                if (out.size() + n > maxBodyBytes) {
                    throw new InvalidMessageException("decompressed body > limit " + maxBodyBytes);
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new InvalidMessageException("compressed body does not inflate: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }
}
