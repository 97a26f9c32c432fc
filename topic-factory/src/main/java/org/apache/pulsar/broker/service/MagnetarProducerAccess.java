package org.apache.pulsar.broker.service;

/**
 * Reads a producer's count of publishes not yet acknowledged, which Pulsar keeps package-private. This class ships in
 * Magnetar's lib jar, on the broker's classpath, so it shares the package with Pulsar's {@link Producer}.
 */
public final class MagnetarProducerAccess {
    private MagnetarProducerAccess() {
    }

    /** Publishes of {@code producer} still waiting for their acknowledgement, the one being published included. */
    public static long pendingPublishes(Producer producer) {
        return producer.getPendingPublishAcks();
    }
}
