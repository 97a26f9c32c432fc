package io.magnetar.retry.pulsar;

import io.magnetar.metrics.MagnetarMetrics;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.broker.PulsarService;

/** The broker-side retry and dead-letter counters of one broker ({@code magnetar_retry_*}). */
public final class RetryMetrics implements AutoCloseable {
    private final MagnetarMetrics metrics;
    public final FailedMessages.Counters failures;
    public final LongAdder policyInvalid;
    public final LongAdder deadLettersPublished;

    public RetryMetrics(PulsarService pulsar) {
        metrics = new MagnetarMetrics("retry", pulsar.getConfiguration().getClusterName());
        failures = new FailedMessages.Counters(
                metrics.counter("redeliveries", "failed messages held for redelivery after their back-off"),
                metrics.counter("dead_letters", "failed messages moved to their dead-letter topic"),
                metrics.counter("fallbacks", "failed messages left to Pulsar's own redelivery (unreadable, "
                        + "encrypted, or their copy could not be stored)"),
                metrics.counter("repeated_failures", "failures of entries already taken over, whose "
                        + "acknowledgement a crash lost: acknowledged again, not taken over twice"));
        policyInvalid = metrics.counter("policy_invalid",
                "failures left to Pulsar because the subscription's or namespace's retry keys are invalid");
        deadLettersPublished = metrics.counter("dead_letters_published",
                "dead letters published to their dead-letter topic");
        metrics.bind(pulsar);
    }

    @Override
    public void close() {
        metrics.close();
    }
}
