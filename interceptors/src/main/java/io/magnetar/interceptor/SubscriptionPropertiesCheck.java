package io.magnetar.interceptor;

import io.magnetar.filter.FilterExpressionException;
import io.magnetar.filter.SubscriptionFilters;
import io.magnetar.retry.RetryPolicy;
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
 * not compile, for tenants with {@code tagFilter} on, or an invalid retry key ({@code magnetar.retry.*}) for
 * tenants with {@code retry} or {@code deadLetter} on. The client sees {@link ServerError#NotAllowedError}: the
 * Java client maps it to {@code NotAllowedException}, which it does not retry, so {@code subscribe()} fails at
 * once with the message.
 */
final class SubscriptionPropertiesCheck {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionPropertiesCheck.class);

    private final Predicate<String> tagFilterOn;
    private final Predicate<String> retryOn;
    private final LongAdder refusedFilters;
    private final LongAdder refusedRetryPolicies;

    SubscriptionPropertiesCheck(Predicate<String> tagFilterOn, Predicate<String> retryOn, LongAdder refusedFilters,
                                LongAdder refusedRetryPolicies) {
        this.tagFilterOn = tagFilterOn;
        this.retryOn = retryOn;
        this.refusedFilters = refusedFilters;
        this.refusedRetryPolicies = refusedRetryPolicies;
    }

    void check(CommandSubscribe subscribe) throws InterceptException {
        Map<String, String> filterProperties = null;
        Map<String, String> retryProperties = null;
        for (int i = 0, n = subscribe.getSubscriptionPropertiesCount(); i < n; i++) {
            KeyValue kv = subscribe.getSubscriptionPropertyAt(i);
            String key = kv.getKey();
            if (SubscriptionFilters.TAG_KEY.equals(key) || SubscriptionFilters.SQL92_KEY.equals(key)) {
                if (filterProperties == null) {
                    filterProperties = new HashMap<>(4);
                }
                filterProperties.put(key, kv.getValue());
            } else if (RetryPolicy.KEYS.contains(key)) {
                if (retryProperties == null) {
                    retryProperties = new HashMap<>(4);
                }
                retryProperties.put(key, kv.getValue());
            }
        }
        if (filterProperties == null && retryProperties == null) {
            return;
        }
        String topic = subscribe.getTopic();
        String tenant;
        try {
            tenant = TopicName.get(topic).getTenant();
        } catch (IllegalArgumentException badName) {
            return; // the broker refuses the topic name itself
        }
        if (filterProperties != null && tagFilterOn.test(tenant)) {
            try {
                SubscriptionFilters.fromSubscriptionProperties(filterProperties);
            } catch (FilterExpressionException e) {
                refusedFilters.increment();
                throw refuse(subscribe, topic, e.getMessage());
            }
        }
        if (retryProperties != null && retryOn.test(tenant)) {
            try {
                RetryPolicy.validate(retryProperties, topic);
            } catch (IllegalArgumentException e) {
                refusedRetryPolicies.increment();
                throw refuse(subscribe, topic, e.getMessage());
            }
        }
    }

    private InterceptException refuse(CommandSubscribe subscribe, String topic, String reason) {
        log.warn("[{}][{}] Magnetar refused the subscription: {}", topic, subscribe.getSubscription(), reason);
        return new InterceptException(ServerError.NotAllowedError.getValue(),
                "Magnetar refused subscription '" + subscribe.getSubscription() + "' on " + topic + ": " + reason);
    }
}
