package io.magnetar.shedding;

import java.util.List;

/** What the leader knows at {@code nowMillis}: the latest report of every live broker and its bundles. */
public record LoadSnapshot(long nowMillis, List<BrokerLoad> brokers, List<BundleLoad> bundles) {
    public LoadSnapshot {
        brokers = List.copyOf(brokers);
        bundles = List.copyOf(bundles);
    }
}
