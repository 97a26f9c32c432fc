package io.magnetar.rocketmq.consume;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One message as a pull response carries it to a RocketMQ consumer.
 *
 * @param commitLogOffset RocketMQ's physical offset; here a number unique per message of the queue (the client
 *     builds {@code offsetMsgId} from it and the store host)
 */
public record PulledMessage(String topic, int queueId, long queueOffset, long commitLogOffset, int flag,
        long bornTimestamp, InetSocketAddress bornHost, long storeTimestamp, InetSocketAddress storeHost,
        int reconsumeTimes, byte[] body, Map<String, String> properties) {
}
