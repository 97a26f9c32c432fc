package io.magnetar.transaction;

import org.apache.pulsar.common.naming.NamespaceName;

/**
 * The wire conventions of transactional messages: plain Pulsar message properties and topics, so that any client
 * can implement them (docs/transactions.md). RocketMQ's names where RocketMQ has one.
 */
public final class TransactionProperties {
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
    /** On a check: the topic the half message was sent to, where the resolution goes. */
    public static final String REAL_TOPIC = "REAL_TOPIC";
    /** Producer property of a transactional producer: refused at creation when the tenant has the feature off. */
    public static final String TRANSACTIONAL_PRODUCER = "magnetar.transactional";
    /** Per namespace: halves that ran out of checks (RocketMQ's name). */
    public static final String CHECK_MAX_TOPIC = "TRANS_CHECK_MAX_TIME_TOPIC";

    private TransactionProperties() {
    }

    /** The topic the broker sends check-backs of {@code group}'s halves to; every producer of the group reads it. */
    public static String checkTopic(NamespaceName namespace, String group) {
        return "persistent://" + namespace + "/magnetar-txn-check-" + group;
    }

    public static String checkMaxTopic(NamespaceName namespace) {
        return "persistent://" + namespace + "/" + CHECK_MAX_TOPIC;
    }
}
