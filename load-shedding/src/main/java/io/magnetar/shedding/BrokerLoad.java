package io.magnetar.shedding;

/**
 * One broker's latest load report.
 *
 * @param broker broker id
 * @param reportedAtMillis when the broker measured this report
 * @param load weighted maximum resource usage, 0..1 (may exceed 1 when saturated)
 * @param throughput total message throughput in + out, bytes/s; may exceed the sum of the listed bundles when
 *     the report lists only the top bundles
 */
public record BrokerLoad(String broker, long reportedAtMillis, double load, double throughput) {
}
