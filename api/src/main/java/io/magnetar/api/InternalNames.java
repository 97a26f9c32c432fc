package io.magnetar.api;

/**
 * Names Magnetar gives its own producers, subscriptions, topics and managed-ledger properties. Clients see some of
 * them (the check topic a transactional producer reads); operators see the rest in {@code pulsar-admin}.
 */
public final class InternalNames {
    /** Producer names of the broker's own publisher (dead letters, checks, re-drives): their sends are stored as
     * they are, never taken for scheduled or transactional messages. */
    public static final String PUBLISHER_PREFIX = "magnetar-publisher-";
    /** The producer of the server-only ordering markers a topic writes for a held send. */
    public static final String BARRIER_PRODUCER = "magnetar-barrier";
    /** The entry filter's name in {@code entryFilterNames}. */
    public static final String ENTRY_FILTER = "magnetar-filter";
    /** The subscription a re-drive reads a dead-letter topic with. */
    public static final String REDRIVE_SUBSCRIPTION = "magnetar-redrive";
    /** The timer log's cursor (the records already appended are acknowledged on it). */
    public static final String TIMER_LOG_CURSOR = "magnetar-scheduler";
    /** Prefix of a transaction group's check topic, in the half message's namespace. */
    public static final String CHECK_TOPIC_PREFIX = "magnetar-txn-check-";
    /** Per namespace: halves that ran out of checks (RocketMQ's name). */
    public static final String CHECK_MAX_TOPIC = "TRANS_CHECK_MAX_TIME_TOPIC";
    /** Managed-ledger property of a topic: the ledgers of its persisted delayed index. */
    public static final String DELAYED_INDEX_PROPERTY = "__magnetar.delayed.index";
    /** Managed-ledger property of a topic: that it has a timer log. */
    public static final String TIMER_LOG_PROPERTY = "__magnetar.schedule";

    private InternalNames() {
    }

    /** The topic the broker sends check-backs of {@code group}'s halves to; every producer of the group reads it. */
    public static String checkTopic(String namespace, String group) {
        return "persistent://" + namespace + "/" + CHECK_TOPIC_PREFIX + group;
    }

    /** The namespace's topic for halves that ran out of checks. */
    public static String checkMaxTopic(String namespace) {
        return "persistent://" + namespace + "/" + CHECK_MAX_TOPIC;
    }
}
