package io.magnetar.filter.pulsar;

import com.google.common.collect.MapMaker;
import io.magnetar.filter.FilterExpressionException;
import io.magnetar.filter.MessageFilter;
import io.magnetar.filter.SubscriptionFilters;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compiled filter per subscription, keyed by the subscription object itself (weakly, by identity: a
 * subscription that is closed and collected drops out). Pulsar replaces a subscription's property map when the
 * properties change, so a different map instance means "recompile"; the same instance costs one comparison.
 */
final class SubscriptionFilterCache {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionFilterCache.class);
    private static final Object NEVER_COMPILED = new Object();

    /** A subscription's tenant and its latest compiled filter. */
    static final class Entry {
        private record Compiled(Object properties, MessageFilter filter) { }

        private final String tenant;
        private final String topic;
        private final String subscription;
        private final SubscriptionFilterCache owner;
        private volatile Compiled compiled = new Compiled(NEVER_COMPILED, null);

        private Entry(String tenant, String topic, String subscription, SubscriptionFilterCache owner) {
            this.tenant = tenant;
            this.topic = topic;
            this.subscription = subscription;
            this.owner = owner;
        }

        String tenant() {
            return tenant;
        }

        /** The filter for these properties, or null when the subscription is unfiltered. */
        MessageFilter filterFor(Map<String, String> properties) {
            Compiled current = compiled;
            if (current.properties == properties) {
                return current.filter;
            }
            MessageFilter filter = owner.compile(topic, subscription, properties);
            compiled = new Compiled(properties, filter);
            return filter;
        }
    }

    private final ConcurrentMap<Object, Entry> entries = new MapMaker().weakKeys().makeMap();
    private final LongAdder compilations = new LongAdder();
    private final LongAdder invalid;

    SubscriptionFilterCache(LongAdder invalidExpressions) {
        this.invalid = invalidExpressions;
    }

    /** The cached entry of a subscription; allocation-free once the subscription has been seen. */
    Entry get(Object subscriptionKey, String topic, String subscription) {
        Entry entry = entries.get(subscriptionKey);
        if (entry != null) {
            return entry;
        }
        return entries.computeIfAbsent(subscriptionKey,
                k -> new Entry(TopicName.get(topic).getTenant(), topic, subscription, this));
    }

    /** How many times an expression was compiled; for tests and logs. */
    long compilations() {
        return compilations.sum();
    }

    int size() {
        return entries.size();
    }

    private MessageFilter compile(String topic, String subscription, Map<String, String> properties) {
        compilations.increment();
        try {
            Optional<MessageFilter> filter = SubscriptionFilters.fromSubscriptionProperties(properties);
            filter.ifPresent(f -> log.info("[{}][{}] Magnetar filter {}: {}", topic, subscription, f.type(),
                    f.expression()));
            return filter.orElse(null);
        } catch (FilterExpressionException e) {
            // Only reachable through paths that skip SUBSCRIBE (admin-created subscriptions, property updates,
            // the flag switched on later): deliver everything rather than silently match nothing.
            invalid.increment();
            log.error("[{}][{}] Magnetar filter not applied, subscription delivers every message: {}", topic,
                    subscription, e.getMessage());
            return null;
        }
    }
}
