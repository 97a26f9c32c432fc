package io.magnetar.rocketmq.message;

import java.util.Map;

/**
 * One message as a RocketMQ producer sent it: its body (decompressed), its client flag and its properties.
 */
public record RocketMqMessage(byte[] body, int flag, Map<String, String> properties) {
}
