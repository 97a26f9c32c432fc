package io.magnetar.retry;

import io.magnetar.api.SubscriptionKeys;
import io.magnetar.config.DelayLevels;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.pulsar.common.naming.TopicDomain;
import org.apache.pulsar.common.naming.TopicName;

/**
 * What the broker does with a message a consumer of a Shared or Key_Shared subscription failed (negative
 * acknowledgement or acknowledgement timeout): redeliver it after a back-off, counting the reconsumes in the
 * message itself ({@code RECONSUMETIMES}), and once the count exceeds {@link #maxReconsumeTimes()}, move it to the
 * dead-letter topic.
 *
 * <p>Set per subscription (subscription properties) or per namespace (namespace properties), the subscription's
 * value winning key by key; every key is optional.
 */
public record RetryPolicy(int maxReconsumeTimes, long[] backoffMillis, String deadLetterTopic) {
    public static final String MAX_RECONSUME_TIMES = SubscriptionKeys.RETRY_MAX_RECONSUME_TIMES;
    public static final String BACKOFF = SubscriptionKeys.RETRY_BACKOFF;
    public static final String DEAD_LETTER_TOPIC = SubscriptionKeys.RETRY_DEAD_LETTER_TOPIC;
    public static final Set<String> KEYS = Set.of(MAX_RECONSUME_TIMES, BACKOFF, DEAD_LETTER_TOPIC);
    public static final int DEFAULT_MAX_RECONSUME_TIMES = 16;
    /** RocketMQ's retry back-off: delay levels 3 to 18 (the n-th reconsume waits level 2 + n). */
    public static final String ROCKETMQ_BACKOFF = "10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";
    static final int MAX_STEPS = 1_000;

    public static final RetryPolicy DEFAULT = new RetryPolicy(DEFAULT_MAX_RECONSUME_TIMES,
            steps(ROCKETMQ_BACKOFF, DEFAULT_MAX_RECONSUME_TIMES), null);

    /**
     * @param topic the subscription's topic, for the dead-letter topic's checks
     * @throws IllegalArgumentException naming the key and what is wrong with its value
     */
    public static RetryPolicy resolve(Map<String, String> subscription, Map<String, String> namespace, String topic) {
        String max = value(subscription, namespace, MAX_RECONSUME_TIMES);
        int maxReconsumeTimes = max == null ? DEFAULT_MAX_RECONSUME_TIMES : maxReconsumeTimes(max);
        String backoff = value(subscription, namespace, BACKOFF);
        long[] steps = steps(backoff == null ? ROCKETMQ_BACKOFF : backoff, maxReconsumeTimes);
        String deadLetter = value(subscription, namespace, DEAD_LETTER_TOPIC);
        return new RetryPolicy(maxReconsumeTimes, steps, deadLetter == null ? null : deadLetterTopic(deadLetter, topic));
    }

    /** Checks only the retry keys present in {@code properties} (for a subscribe request). */
    public static void validate(Map<String, String> properties, String topic) {
        resolve(properties, Map.of(), topic);
    }

    private static String value(Map<String, String> subscription, Map<String, String> namespace, String key) {
        String value = subscription == null ? null : subscription.get(key);
        if (value == null && namespace != null) {
            value = namespace.get(key);
        }
        return value == null ? null : value.trim();
    }

    private static int maxReconsumeTimes(String value) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0 && parsed <= MAX_STEPS) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(MAX_RECONSUME_TIMES + ": '" + value + "' is not a whole number from 0 to "
                + MAX_STEPS);
    }

    /**
     * The wait before each reconsume, one per reconsume up to {@code count} (the last repeats beyond). Written as
     * durations separated by blanks ({@code 10s 30s 1m}, the last one repeated) or {@code exponential:<first>:
     * <factor>:<cap>} ({@code exponential:1s:2:10m}).
     */
    static long[] steps(String text, int count) {
        try {
            if (text.startsWith("exponential:")) {
                String[] parts = text.substring("exponential:".length()).split(":");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("write exponential:<first>:<factor>:<cap>, e.g. "
                            + "exponential:1s:2:10m");
                }
                long first = DelayLevels.duration(parts[0].trim());
                double factor = Double.parseDouble(parts[1].trim());
                long cap = DelayLevels.duration(parts[2].trim());
                if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                    throw new IllegalArgumentException("the factor '" + parts[1] + "' is not a number >= 1");
                }
                if (cap < first) {
                    throw new IllegalArgumentException("the cap " + parts[2] + " is below the first wait "
                            + parts[0]);
                }
                long[] steps = new long[Math.max(1, count)];
                double wait = first;
                for (int i = 0; i < steps.length; i++) {
                    steps[i] = (long) Math.min(cap, wait);
                    wait = Math.min(cap, wait * factor);
                }
                return steps;
            }
            String[] parts = text.split("\\s+");
            if (parts.length == 0 || parts[0].isEmpty()) {
                throw new IllegalArgumentException("no durations given");
            }
            if (parts.length > MAX_STEPS) {
                throw new IllegalArgumentException("more than " + MAX_STEPS + " durations");
            }
            long[] steps = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                steps[i] = DelayLevels.duration(parts[i]);
            }
            return steps;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(BACKOFF + ": '" + text + "': " + e.getMessage(), e);
        }
    }

    private static String deadLetterTopic(String value, String topic) {
        TopicName name;
        try {
            name = TopicName.get(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(DEAD_LETTER_TOPIC + ": '" + value + "' is not a topic name: "
                    + e.getMessage());
        }
        if (name.getDomain() != TopicDomain.persistent) {
            throw new IllegalArgumentException(DEAD_LETTER_TOPIC + ": '" + value + "' is not a persistent topic");
        }
        if (topic != null && !name.getNamespaceObject().equals(TopicName.get(topic).getNamespaceObject())) {
            throw new IllegalArgumentException(DEAD_LETTER_TOPIC + ": '" + value + "' is outside the namespace of "
                    + topic + "; the broker writes dead letters only within the subscription's namespace");
        }
        return name.toString();
    }

    /** Pulsar's default dead-letter topic name, so its DLQ tooling keeps working. */
    public String deadLetterTopicFor(String topic, String subscription) {
        if (deadLetterTopic != null) {
            return deadLetterTopic;
        }
        TopicName name = TopicName.get(topic);
        String base = name.isPartitioned() ? name.getPartitionedTopicName() : name.toString();
        return base + "-" + subscription + "-DLQ";
    }

    /** The wait before reconsume number {@code reconsume} (1 = the first redelivery). */
    public long backoffMillis(int reconsume) {
        return backoffMillis[Math.min(Math.max(reconsume, 1), backoffMillis.length) - 1];
    }

    /**
     * @param reconsumeTimes how often the failed message had been reconsumed already (0 for a first delivery)
     * @param backoff whether back-off applies ({@code retry} on); without it the message comes back at once
     * @param deadLetter whether dead-lettering applies ({@code deadLetter} on); without it it never stops coming back
     */
    public RetryDecision onFailure(int reconsumeTimes, boolean backoff, boolean deadLetter, long nowMillis) {
        int next = reconsumeTimes + 1;
        if (deadLetter && next > maxReconsumeTimes) {
            return new RetryDecision.DeadLetter(reconsumeTimes);
        }
        return new RetryDecision.Redeliver(next, backoff ? nowMillis + backoffMillis(next) : nowMillis);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && p.maxReconsumeTimes == maxReconsumeTimes
                && Arrays.equals(p.backoffMillis, backoffMillis)
                && java.util.Objects.equals(p.deadLetterTopic, deadLetterTopic);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * maxReconsumeTimes + Arrays.hashCode(backoffMillis))
                + java.util.Objects.hashCode(deadLetterTopic);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxReconsumeTimes=" + maxReconsumeTimes + ", backoffMillis="
                + Arrays.toString(backoffMillis) + ", deadLetterTopic=" + deadLetterTopic + "}";
    }
}
