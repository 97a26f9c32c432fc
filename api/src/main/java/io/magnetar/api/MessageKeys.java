package io.magnetar.api;

/**
 * The message properties Magnetar reads and writes (RocketMQ's {@code MessageConst} idea): plain Pulsar message
 * properties, so that a producer or consumer in any language can use them. RocketMQ's names where RocketMQ has
 * one, Pulsar's where Pulsar has one.
 */
public final class MessageKeys {
    // scheduled messages (docs/scheduled-messages.md)
    /** A RocketMQ delay level, 1-based, into the broker's {@code magnetarDelayLevels} table. */
    public static final String DELAY = "DELAY";
    /** Seconds from now. */
    public static final String TIMER_DELAY_SEC = "TIMER_DELAY_SEC";
    /** Milliseconds from now. */
    public static final String TIMER_DELAY_MS = "TIMER_DELAY_MS";
    /** Epoch milliseconds. */
    public static final String TIMER_DELIVER_MS = "TIMER_DELIVER_MS";
    /** Epoch milliseconds (RocketMQ 4's alias). */
    public static final String START_DELIVER_TIME = "__STARTDELIVERTIME";

    // tag filtering (interceptors/README.md)
    /** The message's tag, matched against a subscription's {@link SubscriptionKeys#TAGS} expression. */
    public static final String TAGS = "TAGS";

    // transactional messages (docs/transactions.md)
    /** {@code true} on a half message (RocketMQ's {@code PROPERTY_TRANSACTION_PREPARED}). */
    public static final String HALF = "TRAN_MSG";
    /** The producer group: who is asked back, and who may resolve. */
    public static final String PRODUCER_GROUP = "PGROUP";
    /** Seconds before the first check-back of this half message (RocketMQ's per-message override). */
    public static final String CHECK_IMMUNITY_SECONDS = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    /** On a resolution and a check: the transaction, i.e. the id the half message's send returned. */
    public static final String TRANSACTION_ID = "MAGNETAR_TXN_ID";
    /** On a resolution: {@code COMMIT}, {@code ROLLBACK} or {@code UNKNOWN}. */
    public static final String RESOLUTION = "MAGNETAR_TXN_RESOLUTION";
    /** On a check and a check-max message: how many checks were sent, this one included. */
    public static final String CHECK_TIMES = "MAGNETAR_TXN_CHECK_TIMES";
    /** On a check: the topic the half message was sent to; on a retry copy, the topic it failed on. */
    public static final String REAL_TOPIC = "REAL_TOPIC";

    // broker-side retry and dead letters (docs/retry-and-dead-letters.md)
    /** How often the message has been redelivered after a failure (Pulsar's retry-letter property). */
    public static final String RECONSUME_TIMES = "RECONSUMETIMES";
    public static final String REAL_SUBSCRIPTION = "REAL_SUBSCRIPTION";
    /** The id of the message as first published; kept through every redelivery copy. */
    public static final String ORIGIN_MESSAGE_ID = "ORIGIN_MESSAGE_ID";
    /** Epoch milliseconds of the failure that produced this copy. */
    public static final String LAST_FAILURE_TIME = "LAST_FAILURE_TIME";
    /** The only subscription a redelivery copy is for; Magnetar's entry filter hides it from every other one. */
    public static final String REDELIVER_TO = "MAGNETAR_REDELIVER_TO";
    /** How often the message was re-driven from its dead-letter topic; a re-driven message may die again. */
    public static final String REDRIVES = "MAGNETAR_REDRIVES";
    /** The record in the topic's timer log a message came from, so that a crash never appends it twice. */
    public static final String RECORD_ID = "MAGNETAR_RECORD_ID";

    private MessageKeys() {
    }
}
