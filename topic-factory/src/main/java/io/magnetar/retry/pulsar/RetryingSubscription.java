package io.magnetar.retry.pulsar;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.Position;
import org.apache.pulsar.broker.service.Consumer;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;

/**
 * Pulsar's durable subscription, except that the messages its consumers fail (negative acknowledgement,
 * acknowledgement timeout) go to the topic's {@link FailureHandler} first; what it does not take over is redelivered
 * as Pulsar does. A consumer disconnecting is not a failure: its unacknowledged messages are redelivered as usual.
 */
public class RetryingSubscription extends PersistentSubscription {
    /** Implemented by the topic. */
    public interface FailureHandler {
        /** Null when the broker leaves this subscription's failures to Pulsar; else the positions left to it. */
        CompletableFuture<List<Position>> failed(PersistentSubscription subscription, List<Position> positions);
    }

    public RetryingSubscription(PersistentTopic topic, String name, ManagedCursor cursor, Boolean replicated,
                                Map<String, String> properties) {
        super(topic, name, cursor, replicated, properties);
    }

    @Override
    public void redeliverUnacknowledgedMessages(Consumer consumer, List<Position> positions) {
        CompletableFuture<List<Position>> handled = positions.isEmpty() || !(topic instanceof FailureHandler handler)
                ? null : handler.failed(this, positions);
        if (handled == null) {
            super.redeliverUnacknowledgedMessages(consumer, positions);
            return;
        }
        handled.whenComplete((leftover, error) -> {
            List<Position> back = error != null ? positions : leftover;
            if (!back.isEmpty()) {
                redeliverAsPulsarDoes(consumer, back);
            }
        });
    }

    private void redeliverAsPulsarDoes(Consumer consumer, List<Position> positions) {
        super.redeliverUnacknowledgedMessages(consumer, positions);
    }
}
