package io.magnetar.plugin;

import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;

/** Reads one property of a message's metadata (Pulsar gives only the list). */
public final class MessageProperties {
    private MessageProperties() {
    }

    /** The value of {@code key}, or null when the message does not carry it. */
    public static String get(MessageMetadata metadata, String key) {
        for (int i = 0, n = metadata.getPropertiesCount(); i < n; i++) {
            KeyValue kv = metadata.getPropertyAt(i);
            if (kv.getKey().equals(key)) {
                return kv.getValue();
            }
        }
        return null;
    }
}
