package io.magnetar.api;

/** Subscription properties (set when subscribing) that Magnetar reads; the retry keys also as namespace properties. */
public final class SubscriptionKeys {
    /** A RocketMQ tag expression ({@code TagA || TagB}, {@code *}). */
    public static final String TAGS = "TAGS";
    /** A RocketMQ SQL92 expression over message properties. */
    public static final String SQL92 = "SQL92";
    /** Redeliveries before a failed message goes to its dead-letter topic. */
    public static final String RETRY_MAX_RECONSUME_TIMES = "magnetar.retry.maxReconsumeTimes";
    /** The back-off between redeliveries ({@code exponential:1s:2:10m}, or a list of durations). */
    public static final String RETRY_BACKOFF = "magnetar.retry.backoff";
    /** Where failed messages go after their last redelivery. */
    public static final String RETRY_DEAD_LETTER_TOPIC = "magnetar.retry.deadLetterTopic";

    private SubscriptionKeys() {
    }
}
