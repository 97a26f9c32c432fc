package io.magnetar.transaction;

import io.magnetar.api.InternalNames;
import io.magnetar.api.MessageKeys;
import io.magnetar.api.ProducerKeys;
import org.apache.pulsar.common.naming.NamespaceName;

/**
 * The wire conventions of transactional messages: plain Pulsar message properties and topics, so that any client
 * can implement them (docs/transactions.md). RocketMQ's names where RocketMQ has one; defined in {@code magnetar-api}.
 */
public final class TransactionProperties {
    /** {@code true} on a half message (RocketMQ's {@code PROPERTY_TRANSACTION_PREPARED}). */
    public static final String HALF = MessageKeys.HALF;
    /** The producer group: who is asked back, and who may resolve. */
    public static final String PRODUCER_GROUP = MessageKeys.PRODUCER_GROUP;
    /** Seconds before the first check-back of this half message (RocketMQ's per-message override). */
    public static final String CHECK_IMMUNITY_SECONDS = MessageKeys.CHECK_IMMUNITY_SECONDS;
    /** On a resolution and a check: the transaction, i.e. the id the half message's send returned. */
    public static final String TRANSACTION_ID = MessageKeys.TRANSACTION_ID;
    /** On a resolution: {@code COMMIT}, {@code ROLLBACK} or {@code UNKNOWN}. */
    public static final String RESOLUTION = MessageKeys.RESOLUTION;
    /** On a check and a check-max message: how many checks were sent, this one included. */
    public static final String CHECK_TIMES = MessageKeys.CHECK_TIMES;
    /** On a check: the topic the half message was sent to, where the resolution goes. */
    public static final String REAL_TOPIC = MessageKeys.REAL_TOPIC;
    /** Producer property of a transactional producer: refused at creation when the tenant has the feature off. */
    public static final String TRANSACTIONAL_PRODUCER = ProducerKeys.TRANSACTIONAL;
    /** Per namespace: halves that ran out of checks (RocketMQ's name). */
    public static final String CHECK_MAX_TOPIC = InternalNames.CHECK_MAX_TOPIC;

    private TransactionProperties() {
    }

    /** The topic the broker sends check-backs of {@code group}'s halves to; every producer of the group reads it. */
    public static String checkTopic(NamespaceName namespace, String group) {
        return InternalNames.checkTopic(namespace.toString(), group);
    }

    public static String checkMaxTopic(NamespaceName namespace) {
        return InternalNames.checkMaxTopic(namespace.toString());
    }
}
