package io.magnetar.retry;

import io.magnetar.api.MessageKeys;
/**
 * Message properties of broker-side redelivery copies and dead letters. The names are Pulsar's own retry-letter and
 * dead-letter properties where Pulsar has one, so existing tooling reads them. Defined in {@link MessageKeys}.
 */
public final class RetryProperties {
    /** How often the message has been redelivered after a failure (Pulsar's retry-letter property). */
    public static final String RECONSUME_TIMES = MessageKeys.RECONSUME_TIMES;
    public static final String REAL_TOPIC = MessageKeys.REAL_TOPIC;
    public static final String REAL_SUBSCRIPTION = MessageKeys.REAL_SUBSCRIPTION;
    /** The id of the message as first published; kept through every redelivery copy. */
    public static final String ORIGIN_MESSAGE_ID = MessageKeys.ORIGIN_MESSAGE_ID;
    /** Epoch milliseconds of the failure that produced this copy. */
    public static final String LAST_FAILURE_TIME = MessageKeys.LAST_FAILURE_TIME;
    /** The only subscription a redelivery copy is for; Magnetar's entry filter hides it from every other one. */
    public static final String REDELIVER_TO = MessageKeys.REDELIVER_TO;
    /** How often the message was re-driven from its dead-letter topic; a re-driven message may die again. */
    public static final String REDRIVES = MessageKeys.REDRIVES;
    /** The copy's record in the schedule log, so that a crash never makes the broker append it twice. */
    public static final String RECORD_ID = MessageKeys.RECORD_ID;

    private RetryProperties() {
    }
}
