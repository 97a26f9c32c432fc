package io.magnetar.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransactionalProducerTest {
    @Test
    void checksOfAGroupGoToItsNamespacesCheckTopic() {
        assertEquals("persistent://acme/orders/magnetar-txn-check-payments",
                TransactionalProducer.checkTopic("persistent://acme/orders/payments-partition-1", "payments"));
        assertEquals("persistent://acme/orders/magnetar-txn-check-g",
                TransactionalProducer.checkTopic("acme/orders/t", "g"));
        assertEquals("persistent://public/default/magnetar-txn-check-g", TransactionalProducer.checkTopic("t", "g"));
    }

    @Test
    void aBadGroupIsRefusedBeforeAnythingIsCreated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransactionalProducer.create(null, null, "t", "a group", null));
        assertTrue(e.getMessage().contains("'a group'"), e.getMessage());
    }

    @Test
    void aHalfKeepsACopyOfItsProperties() {
        Map<String, String> properties = new HashMap<>(Map.of("k", "v"));
        TransactionalProducer.Half<String> half = new TransactionalProducer.Half<>("key", "value", properties);
        properties.put("later", "x");
        assertEquals(Map.of("k", "v"), half.properties());
        assertEquals(Map.of(), new TransactionalProducer.Half<>(null, "v", null).properties());
    }
}
