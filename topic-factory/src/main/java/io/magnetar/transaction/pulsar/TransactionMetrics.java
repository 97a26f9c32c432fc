package io.magnetar.transaction.pulsar;

import io.magnetar.metrics.MagnetarMetrics;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.broker.PulsarService;

/** The transactional-message counters of one broker ({@code magnetar_transaction_*}). */
public final class TransactionMetrics implements AutoCloseable {
    private final MagnetarMetrics metrics;
    public final LongAdder halvesHeld;
    public final LongAdder committed;
    public final LongAdder rolledBack;
    public final LongAdder unknowns;
    public final LongAdder checks;
    public final LongAdder checkMaxReached;
    public final LongAdder resolutionsIgnored;
    public final LongAdder resolutionsRefused;
    public final LongAdder sendsRefused;
    public final LongAdder checkAnswerMillis;
    public final LongAdder checksAnswered;

    public TransactionMetrics(PulsarService pulsar) {
        metrics = new MagnetarMetrics("transaction", pulsar.getConfiguration().getClusterName());
        halvesHeld = metrics.counter("half_messages", "half messages stored");
        committed = metrics.counter("committed", "transactions committed (appended)");
        rolledBack = metrics.counter("rolled_back", "transactions rolled back");
        unknowns = metrics.counter("unknown_answers", "UNKNOWN resolutions received");
        checks = metrics.counter("checks_sent", "check-backs published to producer groups");
        checkMaxReached = metrics.counter("check_max_reached",
                "half messages moved to the check-max topic after their last check");
        resolutionsIgnored = metrics.counter("resolutions_ignored",
                "resolutions of transactions already resolved the same way (or before a restart)");
        resolutionsRefused = metrics.counter("resolutions_refused",
                "resolutions refused: unknown transaction, another group, or the opposite of its outcome");
        sendsRefused = metrics.counter("sends_refused",
                "half messages or resolutions refused at publish for bad properties");
        checkAnswerMillis = metrics.counter("check_answer_millis",
                "summed time from a check-back to the resolution that answered it (divide by checks_answered)");
        checksAnswered = metrics.counter("checks_answered", "resolutions that answered a check-back");
        metrics.bind(pulsar);
    }

    @Override
    public void close() {
        metrics.close();
    }
}
