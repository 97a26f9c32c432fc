package io.magnetar.rocketmq.pulsar;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Properties;

/**
 * The handler's keys in broker.conf, parsed and checked once in {@code initialize}: a bad value stops the broker
 * start with the key's name.
 *
 * @param listen where the handler listens ({@code rocketmqListeners=rocketmq://host:port})
 * @param advertisedAddress the {@code host:port} clients are given in routes ({@code rocketmqAdvertisedAddress};
 *     default: the broker's advertised address with the listener's port)
 * @param tenant the Pulsar tenant of every RocketMQ topic ({@code rocketmqTenant}, default {@code public})
 * @param namespace the Pulsar namespace of topics without a RocketMQ namespace ({@code rocketmqNamespace},
 *     default {@code default})
 * @param maxFrameBytes the largest frame accepted ({@code rocketmqMaxFrameBytes}, default 16 MiB)
 * @param maxHeaderBytes the largest frame header accepted ({@code rocketmqMaxHeaderBytes}, default 64 KiB)
 */
public record RocketMqConfig(InetSocketAddress listen, String advertisedAddress, String tenant, String namespace,
        int maxFrameBytes, int maxHeaderBytes) {
    public static final String LISTENERS = "rocketmqListeners";
    public static final String ADVERTISED_ADDRESS = "rocketmqAdvertisedAddress";
    public static final String TENANT = "rocketmqTenant";
    public static final String NAMESPACE = "rocketmqNamespace";
    public static final String MAX_FRAME_BYTES = "rocketmqMaxFrameBytes";
    public static final String MAX_HEADER_BYTES = "rocketmqMaxHeaderBytes";
    static final String DEFAULT_LISTENERS = "rocketmq://0.0.0.0:9876";

    /**
     * @param brokerAdvertisedAddress the broker's {@code advertisedAddress} (host only)
     * @throws IllegalArgumentException naming the key whose value is bad
     */
    public static RocketMqConfig from(Properties p, String brokerAdvertisedAddress) {
        String listeners = p.getProperty(LISTENERS, DEFAULT_LISTENERS).trim();
        InetSocketAddress listen = parseListener(listeners);
        String advertised = p.getProperty(ADVERTISED_ADDRESS, "").trim();
        if (advertised.isEmpty()) {
            advertised = brokerAdvertisedAddress + ":" + listen.getPort();
        } else if (!advertised.matches("[^:\\s]+:\\d{1,5}")) {
            throw new IllegalArgumentException(ADVERTISED_ADDRESS + " must be host:port: " + advertised);
        }
        String tenant = name(p, TENANT, "public");
        String namespace = name(p, NAMESPACE, "default");
        int maxFrame = positive(p, MAX_FRAME_BYTES, 16 * 1024 * 1024);
        int maxHeader = positive(p, MAX_HEADER_BYTES, 64 * 1024);
        if (maxHeader >= maxFrame || maxHeader > 0xFFFFFF) {
            throw new IllegalArgumentException(MAX_HEADER_BYTES + " must be below " + MAX_FRAME_BYTES
                    + " and 16 MiB: " + maxHeader);
        }
        return new RocketMqConfig(listen, advertised, tenant, namespace, maxFrame, maxHeader);
    }

    private static InetSocketAddress parseListener(String value) {
        if (value.contains(",")) {
            throw new IllegalArgumentException(LISTENERS + " takes one listener: " + value);
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(LISTENERS + " is not rocketmq://host:port: " + value, e);
        }
        if (!"rocketmq".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(LISTENERS + " is not rocketmq://host:port: " + value);
        }
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    private static String name(Properties p, String key, String absent) {
        String v = p.getProperty(key, absent).trim();
        if (!v.matches("[-=:.\\w]+")) {
            throw new IllegalArgumentException(key + " is not a Pulsar name: " + v);
        }
        return v;
    }

    private static int positive(Properties p, String key, int absent) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) {
                throw new IllegalArgumentException(key + " must be > 0: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not an integer: " + v, e);
        }
    }
}
