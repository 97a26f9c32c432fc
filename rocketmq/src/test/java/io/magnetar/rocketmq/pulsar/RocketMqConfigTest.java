package io.magnetar.rocketmq.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class RocketMqConfigTest {
    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaults() {
        RocketMqConfig c = RocketMqConfig.from(props(), "10.0.0.5");
        assertEquals(9876, c.listen().getPort());
        assertEquals("10.0.0.5:9876", c.advertisedAddress());
        assertEquals("public", c.tenant());
        assertEquals("default", c.namespace());
        assertEquals(16 * 1024 * 1024, c.maxFrameBytes());
        assertEquals(64 * 1024, c.maxHeaderBytes());
    }

    @Test
    void keysAreRead() {
        RocketMqConfig c = RocketMqConfig.from(props("rocketmqListeners", "rocketmq://127.0.0.1:19876",
                "rocketmqAdvertisedAddress", "mq.example:29876", "rocketmqTenant", "rmq", "rocketmqNamespace", "ns1",
                "rocketmqMaxFrameBytes", "1048576", "rocketmqMaxHeaderBytes", "4096"), "h");
        assertEquals("127.0.0.1", c.listen().getHostString());
        assertEquals(19876, c.listen().getPort());
        assertEquals("mq.example:29876", c.advertisedAddress());
        assertEquals("rmq", c.tenant());
        assertEquals("ns1", c.namespace());
        assertEquals(1048576, c.maxFrameBytes());
        assertEquals(4096, c.maxHeaderBytes());
    }

    @Test
    void badValuesNameTheirKey() {
        assertNames("rocketmqListeners", props("rocketmqListeners", "pulsar://h:1"));
        assertNames("rocketmqListeners", props("rocketmqListeners", "rocketmq://h"));
        assertNames("rocketmqListeners", props("rocketmqListeners", "rocketmq://a:1,rocketmq://b:2"));
        assertNames("rocketmqAdvertisedAddress", props("rocketmqAdvertisedAddress", "nohost"));
        assertNames("rocketmqTenant", props("rocketmqTenant", "a/b"));
        assertNames("rocketmqMaxFrameBytes", props("rocketmqMaxFrameBytes", "-1"));
        assertNames("rocketmqMaxFrameBytes", props("rocketmqMaxFrameBytes", "big"));
        assertNames("rocketmqMaxHeaderBytes", props("rocketmqMaxFrameBytes", "1000", "rocketmqMaxHeaderBytes", "2000"));
    }

    private static void assertNames(String key, Properties p) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RocketMqConfig.from(p, "h"));
        assertTrue(e.getMessage().startsWith(key), e.getMessage());
    }
}
