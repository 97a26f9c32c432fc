package io.magnetar.rocketmq.message;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RocketMQ's message property names that this module reads or writes (the values of RocketMQ's
 * {@code MessageConst}), and the properties string of its wire format: {@code name\u0001value\u0002...}.
 * Messages keep these names as Pulsar message properties, so Magnetar's cores and Pulsar consumers see them as is.
 */
public final class RocketMqProperties {
    public static final String KEYS = "KEYS";
    public static final String TAGS = "TAGS";
    public static final String UNIQ_KEY = "UNIQ_KEY";
    public static final String WAIT = "WAIT";
    public static final String DELAY = "DELAY";
    public static final String TRAN_MSG = "TRAN_MSG";
    public static final String RECONSUME_TIME = "RECONSUME_TIME";
    public static final String MAX_RECONSUME_TIMES = "MAX_RECONSUME_TIMES";
    /** Magnetar's own: the client-side message flag (an int RocketMQ carries outside the properties). */
    public static final String MESSAGE_FLAG = "ROCKETMQ_FLAG";
    /** Magnetar's own: the producing client's address, RocketMQ's "born host". */
    public static final String BORN_HOST = "ROCKETMQ_BORN_HOST";

    private static final char NAME_VALUE_SEPARATOR = 1;
    private static final char PROPERTY_SEPARATOR = 2;

    private RocketMqProperties() {
    }

    /** Parses a properties string; null or empty gives an empty map; a pair without a separator is skipped. */
    public static Map<String, String> decode(String properties) {
        Map<String, String> map = new LinkedHashMap<>();
        if (properties == null || properties.isEmpty()) {
            return map;
        }
        int start = 0;
        int length = properties.length();
        while (start < length) {
            int end = properties.indexOf(PROPERTY_SEPARATOR, start);
            if (end < 0) {
                end = length;
            }
            int separator = properties.indexOf(NAME_VALUE_SEPARATOR, start);
            if (separator > start && separator < end) {
                map.put(properties.substring(start, separator), properties.substring(separator + 1, end));
            }
            start = end + 1;
        }
        return map;
    }

    /** The properties string of {@code map}, in its iteration order. */
    public static String encode(Map<String, String> map) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            sb.append(e.getKey()).append(NAME_VALUE_SEPARATOR).append(e.getValue()).append(PROPERTY_SEPARATOR);
        }
        return sb.toString();
    }
}
