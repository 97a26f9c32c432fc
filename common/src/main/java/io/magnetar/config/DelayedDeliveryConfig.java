package io.magnetar.config;

import java.util.Properties;

/**
 * The delayed-message index's broker.conf keys ({@code magnetarDelayed*}), parsed once; a bad value names the key.
 * Read by the deliverAt tracker and by the topic factory's timer log, which indexes its records the same way.
 * Pulsar's {@code delayedDelivery*} keys keep their meaning where the tracker honours them: the dispatcher still
 * applies {@code delayedDeliveryEnabled} and the namespace/topic policies before calling it, and
 * {@code delayedDeliveryMaxDelayInMillis} is enforced at publish by the broker.
 *
 * @param windowMillis messages due within this window of now are kept in memory
 * @param sealThreshold later-due messages are sealed into a bucket once this many are waiting
 * @param chunkSize messages per persisted chunk
 * @param maxLoadRetries failed reads of one chunk before the index asks for a rebuild from the backlog
 */
public record DelayedDeliveryConfig(long windowMillis, int sealThreshold, int chunkSize, int maxLoadRetries) {
    public static final DelayedDeliveryConfig DEFAULTS = new DelayedDeliveryConfig(60_000, 32_768, 2_048, 10);
    static final String WINDOW_SECONDS = "magnetarDelayedWindowSeconds";
    static final String SEAL_THRESHOLD = "magnetarDelayedSealThreshold";
    static final String CHUNK_SIZE = "magnetarDelayedChunkSize";
    static final String MAX_LOAD_RETRIES = "magnetarDelayedMaxLoadRetries";

    public static DelayedDeliveryConfig from(Properties properties) {
        long windowSeconds = ConfigValues.wholeNumber(properties, WINDOW_SECONDS, DEFAULTS.windowMillis() / 1000,
                1, 3_600);
        long sealThreshold = ConfigValues.wholeNumber(properties, SEAL_THRESHOLD, DEFAULTS.sealThreshold(),
                1, 10_000_000);
        long chunkSize = ConfigValues.wholeNumber(properties, CHUNK_SIZE, DEFAULTS.chunkSize(), 1, 1_000_000);
        long retries = ConfigValues.wholeNumber(properties, MAX_LOAD_RETRIES, DEFAULTS.maxLoadRetries(), 0, 1_000);
        return new DelayedDeliveryConfig(windowSeconds * 1000, (int) sealThreshold, (int) chunkSize, (int) retries);
    }
}
