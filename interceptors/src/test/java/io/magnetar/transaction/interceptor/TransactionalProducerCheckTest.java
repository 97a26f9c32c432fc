package io.magnetar.transaction.interceptor;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.api.proto.BaseCommand;
import org.apache.pulsar.common.api.proto.CommandProducer;
import org.apache.pulsar.common.api.proto.ServerError;
import org.apache.pulsar.common.intercept.InterceptException;
import org.junit.jupiter.api.Test;

class TransactionalProducerCheckTest {
    private final LongAdder refused = new LongAdder();
    private boolean on;
    private final TransactionalProducerCheck check = new TransactionalProducerCheck(tenant -> on, refused);

    private static CommandProducer producer(boolean transactional) {
        CommandProducer p = new BaseCommand().setType(BaseCommand.Type.PRODUCER).setProducer()
                .setTopic("persistent://acme/ns/orders").setProducerId(1).setRequestId(2);
        p.addMetadata().setKey("app").setValue("x");
        if (transactional) {
            p.addMetadata().setKey("magnetar.transactional").setValue("true");
        }
        return p;
    }

    @Test
    void aTransactionalProducerIsRefusedWhileTheTenantHasTheFeatureOff() {
        InterceptException e = assertThrows(InterceptException.class, () -> check.check(producer(true)));
        assertEquals(ServerError.NotAllowedError.getValue(), e.getErrorCode());
        assertTrue(e.getMessage().contains("transactional messages are off for tenant 'acme'"), e.getMessage());
        assertEquals(1, refused.sum());
        assertDoesNotThrow(() -> check.check(producer(false)), "plain producers are never refused");
        on = true;
        assertDoesNotThrow(() -> check.check(producer(true)));
        assertEquals(1, refused.sum());
    }
}
