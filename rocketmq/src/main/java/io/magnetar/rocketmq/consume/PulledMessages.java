package io.magnetar.rocketmq.consume;

import io.magnetar.rocketmq.message.RocketMqProperties;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The body of a PULL_MESSAGE response: messages back to back in RocketMQ's stored-message format (what
 * {@code MessageDecoder.decodes} reads): total size, magic code, body CRC, queue id, flag, queue offset, physical
 * offset, sys flag, born timestamp, born host, store timestamp, store host, reconsume times, prepared transaction
 * offset, body, topic, properties. Bodies go uncompressed; IPv6 hosts set the sys-flag bits that say so.
 */
public final class PulledMessages {
    /** RocketMQ's {@code MESSAGE_MAGIC_CODE} of the v1 format (4-byte topic length is v2; v1 has one byte). */
    static final int MESSAGE_MAGIC_CODE = -626843481;
    static final int BORNHOST_V6_FLAG = 0x1 << 4;
    static final int STOREHOSTADDRESS_V6_FLAG = 0x1 << 5;
    private static final InetSocketAddress UNKNOWN_HOST = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private PulledMessages() {
    }

    public static byte[] encode(List<PulledMessage> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (PulledMessage m : messages) {
            byte[] one = encode(m);
            out.write(one, 0, one.length);
        }
        return out.toByteArray();
    }

    static byte[] encode(PulledMessage m) {
        byte[] bornHost = address(m.bornHost());
        byte[] storeHost = address(m.storeHost());
        byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
        if (topic.length > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("topic name longer than 127 bytes: " + m.topic());
        }
        byte[] properties = RocketMqProperties.encode(m.properties()).getBytes(StandardCharsets.UTF_8);
        if (properties.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("properties longer than 32767 bytes");
        }
        int sysFlag = (bornHost.length == 16 ? BORNHOST_V6_FLAG : 0) | (storeHost.length == 16
                ? STOREHOSTADDRESS_V6_FLAG : 0);
        int size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHost.length + 4 + 8 + storeHost.length + 4 + 4 + 8
                + 4 + m.body().length + 1 + topic.length + 2 + properties.length;
        CRC32 crc = new CRC32();
        crc.update(m.body());
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(size);
        b.putInt(MESSAGE_MAGIC_CODE);
        b.putInt((int) crc.getValue());
        b.putInt(m.queueId());
        b.putInt(m.flag());
        b.putLong(m.queueOffset());
        b.putLong(m.commitLogOffset());
        b.putInt(sysFlag);
        b.putLong(m.bornTimestamp());
        b.put(bornHost).putInt(port(m.bornHost()));
        b.putLong(m.storeTimestamp());
        b.put(storeHost).putInt(port(m.storeHost()));
        b.putInt(m.reconsumeTimes());
        b.putLong(0); // prepared transaction offset
        b.putInt(m.body().length).put(m.body());
        b.put((byte) topic.length).put(topic);
        b.putShort((short) properties.length).put(properties);
        return b.array();
    }

    private static byte[] address(InetSocketAddress a) {
        InetSocketAddress known = a == null || a.getAddress() == null ? UNKNOWN_HOST : a;
        return known.getAddress().getAddress();
    }

    private static int port(InetSocketAddress a) {
        return a == null || a.getAddress() == null ? 0 : a.getPort();
    }

    /** {@code host:port} (as stored in {@code ROCKETMQ_BORN_HOST}) as an address; unparsable gives null. */
    public static InetSocketAddress parseHost(String hostPort) {
        if (hostPort == null) {
            return null;
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            // Literal addresses only: never a DNS lookup on the pull path.
            if (!host.matches("[0-9.]+") && !host.contains(":")) {
                return null;
            }
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * A stored message as RocketMQ delivers it: Magnetar's own {@code ROCKETMQ_*} properties turn back into the
     * message flag and born host; a Pulsar producer's message key, when the message has no {@code KEYS}, becomes
     * {@code KEYS}.
     *
     * @param topic the RocketMQ topic name the consumer asked for
     * @param storeHost this broker's RocketMQ address
     */
    public static PulledMessage of(StoredMessage m, String topic, int queueId, InetSocketAddress storeHost) {
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>(m.properties());
        String flag = properties.remove(RocketMqProperties.MESSAGE_FLAG);
        InetSocketAddress bornHost = parseHost(properties.remove(RocketMqProperties.BORN_HOST));
        if (m.partitionKey() != null && !properties.containsKey(RocketMqProperties.KEYS)) {
            properties.put(RocketMqProperties.KEYS, m.partitionKey());
        }
        int reconsumeTimes = 0;
        try {
            reconsumeTimes = Integer.parseInt(properties.getOrDefault(RocketMqProperties.RECONSUME_TIME, "0"));
        } catch (NumberFormatException e) {
            reconsumeTimes = 0;
        }
        int flagValue = 0;
        try {
            flagValue = flag == null ? 0 : Integer.parseInt(flag);
        } catch (NumberFormatException e) {
            flagValue = 0;
        }
        return new PulledMessage(topic, queueId, m.offset(), m.offset(), flagValue,
                m.eventTime() > 0 ? m.eventTime() : m.publishTime(), bornHost, m.publishTime(), storeHost,
                reconsumeTimes, m.body(), properties);
    }
}
