package io.magnetar.api;

/** Producer properties Magnetar reads when a producer is created. */
public final class ProducerKeys {
    /** {@code true} on a transactional producer: refused at creation when the tenant has the feature off. */
    public static final String TRANSACTIONAL = "magnetar.transactional";

    private ProducerKeys() {
    }
}
