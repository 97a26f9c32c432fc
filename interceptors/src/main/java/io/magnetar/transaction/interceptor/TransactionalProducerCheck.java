package io.magnetar.transaction.interceptor;

import io.magnetar.api.ProducerKeys;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.apache.pulsar.common.api.proto.CommandProducer;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.ServerError;
import org.apache.pulsar.common.intercept.InterceptException;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to create a producer that declares itself transactional (producer property
 * {@code magnetar.transactional=true}, set by Magnetar's client) on a tenant with {@code transaction} off: its half
 * messages would otherwise be plain messages, visible at once. The refusal comes at producer creation, with the
 * reason; other producers are not looked at beyond their property list.
 */
public final class TransactionalProducerCheck {
    static final String PROPERTY = ProducerKeys.TRANSACTIONAL;
    private static final Logger log = LoggerFactory.getLogger(TransactionalProducerCheck.class);

    private final Predicate<String> transactionOn;
    private final LongAdder refused;

    public TransactionalProducerCheck(Predicate<String> transactionOn, LongAdder refused) {
        this.transactionOn = transactionOn;
        this.refused = refused;
    }

    public void check(CommandProducer producer) throws InterceptException {
        boolean transactional = false;
        for (int i = 0, n = producer.getMetadatasCount(); i < n; i++) {
            KeyValue kv = producer.getMetadataAt(i);
            if (PROPERTY.equals(kv.getKey()) && "true".equalsIgnoreCase(kv.getValue())) {
                transactional = true;
                break;
            }
        }
        if (!transactional) {
            return;
        }
        String topic = producer.getTopic();
        String tenant;
        try {
            tenant = TopicName.get(topic).getTenant();
        } catch (IllegalArgumentException badName) {
            return; // the broker refuses the topic name itself
        }
        if (transactionOn.test(tenant)) {
            return;
        }
        refused.increment();
        log.warn("[{}] Magnetar refused a transactional producer: feature transaction is off for tenant {}", topic,
                tenant);
        throw new InterceptException(ServerError.NotAllowedError.getValue(), "Magnetar transactional messages are off "
                + "for tenant '" + tenant + "': turn on feature transaction (bin/magnetar features set " + tenant
                + " transaction=on) before creating a transactional producer on " + topic);
    }
}
