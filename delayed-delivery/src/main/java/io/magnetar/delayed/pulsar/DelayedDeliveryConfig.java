package io.magnetar.delayed.pulsar;

import io.magnetar.config.ConfigValues;
import io.magnetar.delayed.DelayIndexSettings;
import java.util.Properties;

/**
 * The tracker's own broker.conf keys, parsed once when the broker starts; a bad value stops the start with the
 * key's name. Pulsar's {@code delayedDelivery*} keys keep their meaning where the tracker honours them: the
 * dispatcher still applies {@code delayedDeliveryEnabled} and the namespace/topic policies before calling it, and
 * {@code delayedDeliveryMaxDelayInMillis} is enforced at publish by the broker.
 */
public record DelayedDeliveryConfig(DelayIndexSettings index) {
    static final String WINDOW_SECONDS = "magnetarDelayedWindowSeconds";
    static final String SEAL_THRESHOLD = "magnetarDelayedSealThreshold";
    static final String CHUNK_SIZE = "magnetarDelayedChunkSize";
    static final String MAX_LOAD_RETRIES = "magnetarDelayedMaxLoadRetries";

    public static DelayedDeliveryConfig from(Properties properties) {
        DelayIndexSettings defaults = DelayIndexSettings.DEFAULTS;
        long windowSeconds = ConfigValues.wholeNumber(properties, WINDOW_SECONDS, defaults.windowMillis() / 1000,
                1, 3_600);
        long sealThreshold = ConfigValues.wholeNumber(properties, SEAL_THRESHOLD, defaults.sealThreshold(),
                1, 10_000_000);
        long chunkSize = ConfigValues.wholeNumber(properties, CHUNK_SIZE, defaults.chunkSize(), 1, 1_000_000);
        long retries = ConfigValues.wholeNumber(properties, MAX_LOAD_RETRIES, defaults.maxLoadRetries(), 0, 1_000);
        return new DelayedDeliveryConfig(new DelayIndexSettings(windowSeconds * 1000, (int) sealThreshold,
                (int) chunkSize, (int) retries));
    }
}
