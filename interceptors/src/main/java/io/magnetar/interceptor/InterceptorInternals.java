package io.magnetar.interceptor;

import io.magnetar.plugin.PulsarInternals;
import org.apache.bookkeeper.mledger.impl.AckSetStateUtil;
import org.apache.pulsar.broker.service.Consumer;
import org.apache.pulsar.broker.service.PendingAcksMap;

/**
 * The Pulsar members the interceptor NAR relies on (docs/architecture.md), checked in the interceptor's
 * {@code initialize}: a missing one fails the broker start with its name instead of the first split batch's
 * acknowledgement. The entry filter's one ({@code AckSetStateUtil}) is checked here too: Pulsar builds entry
 * filters with no start hook.
 */
final class InterceptorInternals {

    private InterceptorInternals() {
    }

    static void check() {
        PulsarInternals.requireMethod(Consumer.class, "getPendingAcks");
        PulsarInternals.requireMethod(PendingAcksMap.class, "remove", long.class, long.class);
        PulsarInternals.requireMethod(Consumer.class, "updateBlockedConsumerOnUnackedMsgs", Consumer.class);
        PulsarInternals.requireMethod(AckSetStateUtil.class, "createPositionWithAckSet", long.class, long.class,
                long[].class);
    }
}
