package io.magnetar.filter.pulsar;

import io.magnetar.retry.filter.RedeliveryRouting;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.bookkeeper.mledger.Entry;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.bookkeeper.mledger.impl.AckSetStateUtil;
import org.apache.pulsar.broker.service.Subscription;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.broker.service.plugin.EntryFilter;
import org.apache.pulsar.broker.service.plugin.FilterContext;
import org.apache.pulsar.common.api.proto.CommandAck.AckType;
import org.apache.pulsar.common.api.proto.MessageMetadata;

/**
 * Magnetar's tag / SQL92 filter ({@code entryFilterNames=magnetar-filter}). A subscription whose properties
 * carry {@code TAGS} or {@code SQL92} receives only the matching messages, when its tenant has {@code tagFilter}
 * on. REJECT acknowledges the whole entry for that subscription only; a batch mixing matching and
 * non-matching messages has its non-matching indexes acknowledged (with batch-index acknowledgement on the
 * broker) or is delivered whole (without it).
 *
 * <p>Whatever the flags, a broker-side redelivery copy ({@link RedeliveryRouting}) reaches only the subscription it
 * is for.
 */
public class MagnetarEntryFilter implements EntryFilter {
    private final AtomicBoolean closed = new AtomicBoolean();

    public MagnetarEntryFilter() {
        FilterRuntime.acquire();
    }

    @Override
    public FilterResult filterEntry(Entry entry, FilterContext context) {
        Subscription subscription = context.getSubscription();
        MessageMetadata metadata = context.getMsgMetadata();
        if (subscription == null || metadata == null) {
            return FilterResult.ACCEPT;
        }
        if (RedeliveryRouting.isCopy(metadata) && !RedeliveryRouting.forSubscription(metadata, subscription, entry)) {
            return FilterResult.REJECT;
        }
        FilterRuntime runtime = FilterRuntime.get(subscription.getTopic().getBrokerService().getPulsar());
        if (runtime == null) {
            return FilterResult.ACCEPT;
        }
        boolean persistent = subscription instanceof PersistentSubscription;
        TagFilterEngine.Verdict verdict = runtime.engine().filter(subscription, subscription.getTopicName(),
                subscription.getName(), subscription.getSubscriptionProperties(), metadata, entry.getDataBuffer(),
                persistent && runtime.batchIndexAck());
        switch (verdict.decision()) {
            case DROP:
                return FilterResult.REJECT;
            case DELIVER_MATCHING:
                // A redelivery of an entry split before: the cursor already has the non-matching indexes
                // acknowledged, and acknowledging again would reset the entry's redelivery count.
                if (TagFilterEngine.splitAlreadyApplied(((PersistentSubscription) subscription).getCursor()
                        .getDeletedBatchIndexesAsLongArray(PositionFactory.create(entry.getLedgerId(),
                                entry.getEntryId())), verdict.keepAckSet())) {
                    return FilterResult.ACCEPT;
                }
                // Updates the cursor's batch-index state before the dispatcher reads it for this delivery, so
                // the consumer is sent the entry with the non-matching indexes already acknowledged.
                List<org.apache.bookkeeper.mledger.Position> keep = Collections.singletonList(
                        AckSetStateUtil.createPositionWithAckSet(entry.getLedgerId(), entry.getEntryId(),
                                verdict.keepAckSet()));
                subscription.acknowledgeMessage(keep, AckType.Individual, Collections.emptyMap());
                return FilterResult.ACCEPT;
            default:
                return FilterResult.ACCEPT;
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FilterRuntime.release();
        }
    }
}
