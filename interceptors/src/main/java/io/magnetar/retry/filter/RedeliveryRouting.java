package io.magnetar.retry.filter;

import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryProperties;
import org.apache.bookkeeper.mledger.Entry;
import org.apache.pulsar.broker.service.Dispatcher;
import org.apache.pulsar.broker.service.RedeliveryTracker;
import org.apache.pulsar.broker.service.Subscription;
import org.apache.pulsar.common.api.proto.MessageMetadata;

/**
 * Broker-side redelivery copies are appended to their topic for one subscription (property
 * {@link RetryProperties#REDELIVER_TO}); every other subscription acknowledges them unseen. Copies are single
 * messages restricted to the local cluster ({@code replicate_to}), which lets the common case — a message with no
 * {@code replicate_to} — be told apart without reading any property or allocating.
 */
public final class RedeliveryRouting {
    private RedeliveryRouting() {
    }

    public static boolean isCopy(MessageMetadata metadata) {
        return metadata.getReplicateTosCount() > 0 && !metadata.hasNumMessagesInBatch()
                && MessageProperties.get(metadata, RetryProperties.REDELIVER_TO) != null;
    }

    /**
     * True when the copy is for this subscription. Its dispatcher's redelivery count is then raised to the copy's
     * reconsume count, so a client's own dead-letter policy (which counts redeliveries) still sees the failures.
     */
    public static boolean forSubscription(MessageMetadata metadata, Subscription subscription, Entry entry) {
        if (!subscription.getName().equals(MessageProperties.get(metadata, RetryProperties.REDELIVER_TO))) {
            return false;
        }
        Dispatcher dispatcher = subscription.getDispatcher();
        RedeliveryTracker tracker = dispatcher == null ? null : dispatcher.getRedeliveryTracker();
        int reconsumes = reconsumeTimes(metadata);
        if (tracker != null && reconsumes > 0) {
            for (int i = tracker.getRedeliveryCount(entry.getLedgerId(), entry.getEntryId()); i < reconsumes; i++) {
                tracker.incrementAndGetRedeliveryCount(entry.getPosition());
            }
        }
        return true;
    }

    private static int reconsumeTimes(MessageMetadata metadata) {
        String value = MessageProperties.get(metadata, RetryProperties.RECONSUME_TIMES);
        try {
            return value == null ? 0 : Math.min(1_000, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}
