package io.magnetar.retry;

/**
 * Message properties of broker-side redelivery copies and dead letters. The names are Pulsar's own retry-letter and
 * dead-letter properties where Pulsar has one, so existing tooling reads them.
 */
public final class RetryProperties {
    /** How often the message has been redelivered after a failure (Pulsar's retry-letter property). */
    public static final String RECONSUME_TIMES = "RECONSUMETIMES";
    public static final String REAL_TOPIC = "REAL_TOPIC";
    public static final String REAL_SUBSCRIPTION = "REAL_SUBSCRIPTION";
    /** The id of the message as first published; kept through every redelivery copy. */
    public static final String ORIGIN_MESSAGE_ID = "ORIGIN_MESSAGE_ID";
    /** Epoch milliseconds of the failure that produced this copy. */
    public static final String LAST_FAILURE_TIME = "LAST_FAILURE_TIME";
    /** The only subscription a redelivery copy is for; Magnetar's entry filter hides it from every other one. */
    public static final String REDELIVER_TO = "MAGNETAR_REDELIVER_TO";
    /** How often the message was re-driven from its dead-letter topic; a re-driven message may die again. */
    public static final String REDRIVES = "MAGNETAR_REDRIVES";
    /** The copy's record in the schedule log, so that a crash never makes the broker append it twice. */
    public static final String RECORD_ID = "MAGNETAR_RECORD_ID";

    private RetryProperties() {
    }
}
