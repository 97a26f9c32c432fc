package io.magnetar.filter.pulsar;

import io.magnetar.filter.BatchDecision;
import io.magnetar.filter.BatchTagHint;
import io.magnetar.filter.MessageFilter;
import io.magnetar.metrics.MagnetarMetrics;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry filter's work for one entry, without Pulsar's dispatcher types so that it runs in unit tests:
 * tenant flag, the subscription's compiled filter, then the properties of the message, or the tag a tag-aware
 * producer named in a batch's header ({@link BatchTagHint}), or else the properties of each message of the batch;
 * then a {@link BatchDecision}.
 */
final class TagFilterEngine {
    private static final Logger log = LoggerFactory.getLogger(TagFilterEngine.class);

    /** The outcome for one entry; {@link #keepAckSet} is set only for {@link BatchDecision#DELIVER_MATCHING}. */
    record Verdict(BatchDecision decision, long[] keepAckSet) {
        static final Verdict DELIVER = new Verdict(BatchDecision.DELIVER, null);
        static final Verdict DROP = new Verdict(BatchDecision.DROP, null);
        static final Verdict DELIVER_WHOLE_BATCH = new Verdict(BatchDecision.DELIVER_WHOLE_BATCH, null);
    }

    private final Predicate<String> tagFilterOn;
    private final SubscriptionFilterCache cache;
    private final EntryProperties properties;
    private final LongAdder accepted;
    private final LongAdder rejected;
    private final LongAdder split;
    private final LongAdder deliveredWhole;
    private final LongAdder unreadable;
    private final LongAdder headerAccepted;
    private final LongAdder headerRejected;
    private final LongAdder messagesMatched;
    private final LongAdder messagesFiltered;
    private final LongAdder messagesUnmatchedDelivered;

    /**
     * @param tagFilterOn the tenant flag check (the hot path: must not allocate)
     */
    TagFilterEngine(Predicate<String> tagFilterOn, MagnetarMetrics metrics, EntryProperties properties) {
        this.tagFilterOn = tagFilterOn;
        this.properties = properties;
        String entriesHelp = "Entries of filtered subscriptions, by what the filter did with them";
        this.accepted = metrics.counter("entries", entriesHelp, "outcome", "accepted");
        this.rejected = metrics.counter("entries", entriesHelp, "outcome", "rejected");
        this.split = metrics.counter("entries", entriesHelp, "outcome", "batch_split");
        this.deliveredWhole = metrics.counter("entries", entriesHelp, "outcome", "batch_delivered_whole");
        this.unreadable = metrics.counter("entries", entriesHelp, "outcome", "unreadable");
        this.headerAccepted = metrics.counter("entries", entriesHelp, "outcome", "header_accepted");
        this.headerRejected = metrics.counter("entries", entriesHelp, "outcome", "header_rejected");
        String messagesHelp = "Messages of filtered subscriptions: matched, filtered out, or delivered unmatched in a mixed batch";
        this.messagesMatched = metrics.counter("messages", messagesHelp, "outcome", "matched");
        this.messagesFiltered = metrics.counter("messages", messagesHelp, "outcome", "filtered");
        this.messagesUnmatchedDelivered = metrics.counter("messages", messagesHelp, "outcome", "unmatched_delivered");
        this.cache = new SubscriptionFilterCache(metrics.counter("invalid_expressions",
                "Subscriptions whose stored filter expression does not compile (they receive every message)"));
    }

    /**
     * Whether a cursor's batch-index state for an entry already has every non-matching index acknowledged: each
     * index still set there (not yet acknowledged) is one of {@code keepAckSet}'s. Then the split needs no new
     * acknowledgement, which matters on redelivery: Pulsar's subscription forgets an entry's redelivery count on
     * every acknowledgement of it ({@code PersistentSubscription.acknowledgeMessage}).
     *
     * @param cursorAckSet the cursor's state ({@code getDeletedBatchIndexesAsLongArray}); null when the cursor has
     *                     no batch-index state for the entry (never acknowledged by index)
     */
    static boolean splitAlreadyApplied(long[] cursorAckSet, long[] keepAckSet) {
        if (cursorAckSet == null) {
            return false;
        }
        for (int i = 0; i < cursorAckSet.length; i++) {
            long keep = i < keepAckSet.length ? keepAckSet[i] : 0L;
            if ((cursorAckSet[i] & ~keep) != 0) {
                return false;
            }
        }
        return true;
    }

    SubscriptionFilterCache cache() {
        return cache;
    }

    /**
     * @param subscriptionKey the subscription object (cache key, by identity)
     * @param topic the subscription's topic name
     * @param subscription the subscription name
     * @param subscriptionProperties the subscription's current properties map
     * @param metadata the entry's message metadata (the batch header for a batch)
     * @param headersAndPayload the entry's data buffer; never modified
     * @param batchIndexAck whether mixed batches can be split by batch-index acknowledgement
     */
    Verdict filter(Object subscriptionKey, String topic, String subscription,
                   Map<String, String> subscriptionProperties, MessageMetadata metadata,
                   ByteBuf headersAndPayload, boolean batchIndexAck) {
        SubscriptionFilterCache.Entry entry = cache.get(subscriptionKey, topic, subscription);
        if (!tagFilterOn.test(entry.tenant())) {
            return Verdict.DELIVER;
        }
        MessageFilter filter = entry.filterFor(subscriptionProperties);
        if (filter == null || metadata.hasMarkerType()) {
            return Verdict.DELIVER;
        }
        if (!EntryProperties.isBatch(metadata)) {
            if (EntryProperties.matches(filter, metadata)) {
                messagesMatched.increment();
                accepted.increment();
                return Verdict.DELIVER;
            }
            messagesFiltered.increment();
            rejected.increment();
            return Verdict.DROP;
        }
        Verdict byHeader = filterByHeader(filter, metadata);
        if (byHeader != null) {
            return byHeader;
        }
        return filterBatch(topic, subscription, filter, metadata, headersAndPayload, batchIndexAck);
    }

    /**
     * The fast path: a batch from a tag-aware producer holds one tag, named in its header, so the whole batch is
     * decided without touching the payload (compressed or encrypted alike). Null when the header carries no
     * trusted hint or the filter needs more than the tag.
     */
    private Verdict filterByHeader(MessageFilter filter, MessageMetadata metadata) {
        if (!metadata.hasOrderingKey()) {
            return null;
        }
        int messages = metadata.getNumMessagesInBatch();
        if (!BatchTagHint.trustedBatch(messages, metadata.getSequenceId(), metadata.hasHighestSequenceId(),
                metadata.getHighestSequenceId())) {
            return null;
        }
        BatchTagHint hint = BatchTagHint.parse(metadata.getOrderingKey());
        BatchDecision decision = hint == null ? null : hint.decide(filter);
        if (decision == BatchDecision.DELIVER) {
            messagesMatched.add(messages);
            headerAccepted.increment();
            return Verdict.DELIVER;
        }
        if (decision == BatchDecision.DROP) {
            messagesFiltered.add(messages);
            headerRejected.increment();
            return Verdict.DROP;
        }
        return null;
    }

    private Verdict filterBatch(String topic, String subscription, MessageFilter filter, MessageMetadata metadata,
                                ByteBuf headersAndPayload, boolean batchIndexAck) {
        if (metadata.getEncryptionKeysCount() > 0) {
            // The per-message properties are inside the encrypted payload: only the consumer can read them.
            unreadable.increment();
            return Verdict.DELIVER;
        }
        BitSet matched;
        try {
            matched = properties.matchBatch(filter, metadata, headersAndPayload);
        } catch (IOException | RuntimeException e) {
            unreadable.increment();
            log.warn("[{}][{}] Magnetar filter could not read a batch, delivering it whole: {}", topic,
                    subscription, e.toString());
            return Verdict.DELIVER;
        }
        int messages = metadata.getNumMessagesInBatch();
        int matching = matched.cardinality();
        BatchDecision decision = BatchDecision.of(messages, matching, batchIndexAck);
        switch (decision) {
            case DELIVER:
                messagesMatched.add(messages);
                accepted.increment();
                return Verdict.DELIVER;
            case DROP:
                messagesFiltered.add(messages);
                rejected.increment();
                return Verdict.DROP;
            case DELIVER_MATCHING:
                messagesMatched.add(matching);
                messagesFiltered.add(messages - matching);
                split.increment();
                return new Verdict(decision, matched.toLongArray());
            default:
                messagesMatched.add(matching);
                messagesUnmatchedDelivered.add(messages - matching);
                deliveredWhole.increment();
                return Verdict.DELIVER_WHOLE_BATCH;
        }
    }
}
