package io.magnetar.rocketmq.remoting;

import java.util.Map;

/** RocketMQ request codes (values of {@code org.apache.rocketmq...RequestCode}) that this module names. */
public final class RequestCode {
    public static final int SEND_MESSAGE = 10;
    public static final int PULL_MESSAGE = 11;
    public static final int QUERY_CONSUMER_OFFSET = 14;
    public static final int UPDATE_CONSUMER_OFFSET = 15;
    public static final int SEARCH_OFFSET_BY_TIMESTAMP = 29;
    public static final int GET_MAX_OFFSET = 30;
    public static final int GET_MIN_OFFSET = 31;
    public static final int HEART_BEAT = 34;
    public static final int UNREGISTER_CLIENT = 35;
    public static final int CONSUMER_SEND_MSG_BACK = 36;
    public static final int END_TRANSACTION = 37;
    public static final int GET_CONSUMER_LIST_BY_GROUP = 38;
    public static final int LOCK_BATCH_MQ = 41;
    public static final int UNLOCK_BATCH_MQ = 42;
    public static final int CHECK_CLIENT_CONFIG = 46;
    public static final int GET_ROUTEINFO_BY_TOPIC = 105;
    public static final int GET_BROKER_CLUSTER_INFO = 106;
    public static final int SEND_MESSAGE_V2 = 310;
    public static final int SEND_BATCH_MESSAGE = 320;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(SEND_MESSAGE, "SEND_MESSAGE"), Map.entry(PULL_MESSAGE, "PULL_MESSAGE"),
            Map.entry(QUERY_CONSUMER_OFFSET, "QUERY_CONSUMER_OFFSET"),
            Map.entry(UPDATE_CONSUMER_OFFSET, "UPDATE_CONSUMER_OFFSET"),
            Map.entry(SEARCH_OFFSET_BY_TIMESTAMP, "SEARCH_OFFSET_BY_TIMESTAMP"),
            Map.entry(GET_MAX_OFFSET, "GET_MAX_OFFSET"), Map.entry(GET_MIN_OFFSET, "GET_MIN_OFFSET"),
            Map.entry(HEART_BEAT, "HEART_BEAT"), Map.entry(UNREGISTER_CLIENT, "UNREGISTER_CLIENT"),
            Map.entry(CONSUMER_SEND_MSG_BACK, "CONSUMER_SEND_MSG_BACK"), Map.entry(END_TRANSACTION, "END_TRANSACTION"),
            Map.entry(GET_CONSUMER_LIST_BY_GROUP, "GET_CONSUMER_LIST_BY_GROUP"),
            Map.entry(LOCK_BATCH_MQ, "LOCK_BATCH_MQ"), Map.entry(UNLOCK_BATCH_MQ, "UNLOCK_BATCH_MQ"),
            Map.entry(CHECK_CLIENT_CONFIG, "CHECK_CLIENT_CONFIG"),
            Map.entry(GET_ROUTEINFO_BY_TOPIC, "GET_ROUTEINFO_BY_TOPIC"),
            Map.entry(GET_BROKER_CLUSTER_INFO, "GET_BROKER_CLUSTER_INFO"),
            Map.entry(SEND_MESSAGE_V2, "SEND_MESSAGE_V2"), Map.entry(SEND_BATCH_MESSAGE, "SEND_BATCH_MESSAGE"));

    private RequestCode() {
    }

    /** The code's name, or its number for codes this module does not name (a bounded metric label either way). */
    public static String name(int code) {
        return NAMES.getOrDefault(code, Integer.toString(code));
    }
}
