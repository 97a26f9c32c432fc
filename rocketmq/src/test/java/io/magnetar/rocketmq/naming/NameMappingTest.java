package io.magnetar.rocketmq.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NameMappingTest {
    private final NameMapping names = new NameMapping("rmq", "default");

    @Test
    void aPlainTopicIsInTheConfiguredNamespace() {
        assertEquals("persistent://rmq/default/orders", names.pulsarTopic("orders"));
    }

    @Test
    void aRocketMqNamespaceIsAPulsarNamespace() {
        assertEquals("persistent://rmq/shop/orders", names.pulsarTopic("shop%orders"));
    }

    @Test
    void queuesArePartitionsAndANonPartitionedTopicIsItself() {
        assertEquals("persistent://rmq/default/orders-partition-2", names.pulsarQueueTopic("orders", 2, 4));
        assertEquals("persistent://rmq/default/orders", names.pulsarQueueTopic("orders", 0, 0));
    }

    @Test
    void systemPrefixesStayInTheLocalName() {
        assertEquals("persistent://rmq/default/%RETRY%g1", names.pulsarTopic("%RETRY%g1"));
        assertEquals("persistent://rmq/shop/%DLQ%g1", names.pulsarTopic("%DLQ%shop%g1"));
    }

    @Test
    void aGroupIsASubscriptionWithoutItsNamespace() {
        assertEquals("g1", names.subscription("g1"));
        assertEquals("g1", names.subscription("shop%g1"));
    }

    @Test
    void malformedNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> names.pulsarTopic(""));
        assertThrows(IllegalArgumentException.class, () -> names.pulsarTopic("%orders"));
        assertThrows(IllegalArgumentException.class, () -> names.pulsarTopic("shop%"));
        assertThrows(IllegalArgumentException.class, () -> names.pulsarTopic("a%b%c"));
        assertThrows(IllegalArgumentException.class, () -> names.pulsarTopic("%RETRY%"));
    }
}
