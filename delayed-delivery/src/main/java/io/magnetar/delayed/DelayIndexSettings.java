package io.magnetar.delayed;

import io.magnetar.config.DelayedDeliveryConfig;

/**
 * @param windowMillis messages due within this window of now are kept in memory; later ones are sealed into
 *     persisted buckets and loaded back when their time comes within half of it
 * @param sealThreshold later-due messages are sealed into a bucket once this many are waiting
 * @param chunkSize messages per persisted chunk (the unit loaded back into memory)
 * @param maxLoadRetries failed reads of one chunk before the index gives up on its buckets and asks for a rebuild
 *     from the backlog
 */
public record DelayIndexSettings(long windowMillis, int sealThreshold, int chunkSize, int maxLoadRetries) {
    public static final DelayIndexSettings DEFAULTS = of(DelayedDeliveryConfig.DEFAULTS);

    public DelayIndexSettings {
        if (windowMillis < 2 || sealThreshold < 1 || chunkSize < 1 || maxLoadRetries < 0) {
            throw new IllegalArgumentException("invalid delay index settings " + windowMillis + ", " + sealThreshold
                    + ", " + chunkSize + ", " + maxLoadRetries);
        }
    }

    /** The settings broker.conf's {@code magnetarDelayed*} keys give. */
    public static DelayIndexSettings of(DelayedDeliveryConfig config) {
        return new DelayIndexSettings(config.windowMillis(), config.sealThreshold(), config.chunkSize(),
                config.maxLoadRetries());
    }
}
