package io.magnetar.rocketmq.consume;

import java.util.Map;

/**
 * One message of a stored Pulsar entry, with its queue offset.
 *
 * @param eventTime the producer's time (RocketMQ's born timestamp), 0 when the producer set none
 */
public record StoredMessage(long offset, long publishTime, long eventTime, String partitionKey, byte[] body,
        Map<String, String> properties) {
}
