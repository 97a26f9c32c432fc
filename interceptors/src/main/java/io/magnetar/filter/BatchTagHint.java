package io.magnetar.filter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tag a tag-aware producer promises for every message of a batch, read from the batch header alone, so the
 * broker decides a whole batch without decompressing it (the fast path of tag filtering).
 *
 * <p>Wire convention (written by {@code io.magnetar.client.TaggedMessages}): the message's ordering key is
 * {@code 00 'M' 'G' 'T' 01} then {@code 'T'} and the tag in UTF-8 (or {@code 'N'} for a message without
 * {@code TAGS}), optionally followed by {@code 00} and the message key. The Java client's key-based batcher puts
 * only messages with the same ordering key in one batch and copies the first message's ordering key into the batch
 * header; it also writes the header's {@code sequence_id} equal to its {@code highest_sequence_id}. The default
 * batcher mixes ordering keys and writes a lower {@code sequence_id}: such a batch is never trusted (see
 * {@link #trustedBatch}), so a producer that forgot the key-based batcher falls back to per-message filtering
 * instead of being filtered on its first message's tag.
 */
public final class BatchTagHint {
    static final byte[] PREFIX = {0, 'M', 'G', 'T', 1};
    static final byte TAGGED = 'T';
    static final byte UNTAGGED = 'N';
    static final byte KEY_SEPARATOR = 0;

    private static final BatchTagHint NO_TAG = new BatchTagHint(null);

    private final String tag;

    private BatchTagHint(String tag) {
        this.tag = tag;
    }

    /** The tag every message of the batch carries in {@code TAGS}; null when they carry none. */
    public String tag() {
        return tag;
    }

    /**
     * Whether a batch header's shape is that of the key-based batcher, whose batches hold one ordering key.
     *
     * @param messages the header's {@code num_messages_in_batch}
     */
    public static boolean trustedBatch(int messages, long sequenceId, boolean hasHighestSequenceId,
                                       long highestSequenceId) {
        return messages <= 1 || hasHighestSequenceId && highestSequenceId == sequenceId;
    }

    /** The hint in an ordering key, or null when the key is not one (absent, another application's key, malformed). */
    public static BatchTagHint parse(byte[] orderingKey) {
        if (orderingKey == null || orderingKey.length <= PREFIX.length
                || !Arrays.equals(orderingKey, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
            return null;
        }
        int kind = orderingKey[PREFIX.length];
        int start = PREFIX.length + 1;
        int end = start;
        while (end < orderingKey.length && orderingKey[end] != KEY_SEPARATOR) {
            end++;
        }
        if (kind == UNTAGGED) {
            return end == start ? NO_TAG : null;
        }
        if (kind != TAGGED || end == start) {
            return null;
        }
        return new BatchTagHint(new String(orderingKey, start, end - start, StandardCharsets.UTF_8));
    }

    /**
     * What the filter says of every message carrying this hint's tag: {@link BatchDecision#DELIVER} (all match),
     * {@link BatchDecision#DROP} (none does), or null when the answer depends on another property (an SQL92
     * expression that read more than {@code TAGS}): the batch must then be filtered message by message.
     *
     * <p>Sound because evaluation is deterministic: if it read only {@code TAGS}, every message with that tag takes
     * the same path to the same answer.
     */
    public BatchDecision decide(MessageFilter filter) {
        boolean[] other = new boolean[1];
        boolean matches = filter.matches(name -> {
            if (TagExpression.TAG_PROPERTY.equals(name)) {
                return tag;
            }
            other[0] = true;
            return null;
        });
        if (other[0]) {
            return null;
        }
        return matches ? BatchDecision.DELIVER : BatchDecision.DROP;
    }
}
