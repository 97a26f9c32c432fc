package io.magnetar.interceptor;

import io.magnetar.filter.FilterExpressionException;
import io.magnetar.filter.SubscriptionFilters;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.apache.pulsar.common.api.proto.CommandSubscribe;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.ServerError;
import org.apache.pulsar.common.intercept.InterceptException;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a SUBSCRIBE whose subscription properties carry a {@code TAGS} or {@code SQL92} expression that does
 * not compile, for tenants with {@code tagFilter} on. The client sees {@link ServerError#NotAllowedError}: the
 * Java client maps it to {@code NotAllowedException}, which it does not retry, so {@code subscribe()} fails at
 * once with the message.
 */
final class SubscribeFilterCheck {
    private static final Logger log = LoggerFactory.getLogger(SubscribeFilterCheck.class);

    private final Predicate<String> tagFilterOn;
    private final LongAdder refused;

    SubscribeFilterCheck(Predicate<String> tagFilterOn, LongAdder refused) {
        this.tagFilterOn = tagFilterOn;
        this.refused = refused;
    }

    void check(CommandSubscribe subscribe) throws InterceptException {
        Map<String, String> filterProperties = null;
        for (int i = 0, n = subscribe.getSubscriptionPropertiesCount(); i < n; i++) {
            KeyValue kv = subscribe.getSubscriptionPropertyAt(i);
            String key = kv.getKey();
            if (SubscriptionFilters.TAG_KEY.equals(key) || SubscriptionFilters.SQL92_KEY.equals(key)) {
                if (filterProperties == null) {
                    filterProperties = new HashMap<>(4);
                }
                filterProperties.put(key, kv.getValue());
            }
        }
        if (filterProperties == null) {
            return;
        }
        String topic = subscribe.getTopic();
        String tenant;
        try {
            tenant = TopicName.get(topic).getTenant();
        } catch (IllegalArgumentException badName) {
            return; // the broker refuses the topic name itself
        }
        if (!tagFilterOn.test(tenant)) {
            return;
        }
        try {
            SubscriptionFilters.fromSubscriptionProperties(filterProperties);
        } catch (FilterExpressionException e) {
            refused.increment();
            log.warn("[{}][{}] Magnetar refused the subscription: {}", topic, subscribe.getSubscription(),
                    e.getMessage());
            throw new InterceptException(ServerError.NotAllowedError.getValue(),
                    "Magnetar refused subscription '" + subscribe.getSubscription() + "' on " + topic + ": "
                            + e.getMessage());
        }
    }
}
