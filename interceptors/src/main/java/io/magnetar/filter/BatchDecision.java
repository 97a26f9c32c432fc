package io.magnetar.filter;

/**
 * What to do with one stored entry once its messages have been matched against a subscription's filter.
 * Pulsar's entry filter can only deliver or acknowledge a whole entry; a batch entry mixing matching and
 * non-matching messages needs the broker's batch-index acknowledgement to be split.
 */
public enum BatchDecision {
    /** Every message matches: deliver the entry. */
    DELIVER,
    /** No message matches: acknowledge the whole entry for this subscription. */
    DROP,
    /** Mixed batch: acknowledge the non-matching batch indexes, deliver the rest. */
    DELIVER_MATCHING,
    /** Mixed batch without batch-index acknowledgement: deliver the whole batch, nothing may be lost. */
    DELIVER_WHOLE_BATCH;

    /**
     * @param messages messages in the entry (1 for an unbatched message)
     * @param matching how many of them match
     * @param batchIndexAck whether the broker keeps per-index acknowledgements
     *                      ({@code acknowledgmentAtBatchIndexLevelEnabled})
     */
    public static BatchDecision of(int messages, int matching, boolean batchIndexAck) {
        if (matching < 0 || matching > messages) {
            throw new IllegalArgumentException("matching " + matching + " of " + messages + " messages");
        }
        if (matching == messages) {
            return DELIVER;
        }
        if (matching == 0) {
            return DROP;
        }
        return batchIndexAck ? DELIVER_MATCHING : DELIVER_WHOLE_BATCH;
    }
}
