package io.magnetar.rocketmq.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsumerGroupsTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final ConsumerGroups groups = new ConsumerGroups(now::get);
    private final ClientConnection a = new ClientConnection(new InetSocketAddress("127.0.0.1", 1));
    private final ClientConnection b = new ClientConnection(new InetSocketAddress("127.0.0.1", 2));

    @Test
    void heartbeatsListTheClientsSortedAndTheyLeaveOnUnregisterCloseOrSilence() {
        groups.heartbeat("g", "z@2", b);
        groups.heartbeat("g", "a@1", a);
        groups.heartbeat("other", "a@1", a);
        assertEquals(List.of("a@1", "z@2"), groups.clients("g"));
        groups.unregister("g", "z@2");
        assertEquals(List.of("a@1"), groups.clients("g"));
        groups.disconnected(a);
        assertEquals(List.of(), groups.clients("g"));
        assertEquals(List.of(), groups.clients("other"));
        assertEquals(0, groups.groupCount());

        groups.heartbeat("g", "a@1", a);
        now.addAndGet(ConsumerGroups.EXPIRY_MILLIS + 1);
        assertEquals(List.of(), groups.clients("g"));
    }
}
