package io.magnetar.shedding;

/**
 * One bundle's latest stats as reported by its owner.
 *
 * @param bundle bundle name, {@code tenant/namespace/0x..._0x...}
 * @param broker the broker that reported it
 * @param throughput message throughput in + out, bytes/s
 */
public record BundleLoad(String bundle, String broker, double throughput) {
}
