package io.magnetar.filter.interceptor;

import java.util.List;
import org.apache.pulsar.common.api.proto.CommandAck;
import org.apache.pulsar.common.api.proto.MessageIdData;

/**
 * What Pulsar 4.0's broker does after a whole-entry acknowledgement and leaves out after a batch-index one
 * ({@code Consumer.individualAckNormal}): remove the entry from the owning consumer's pending acknowledgements once it
 * is fully acknowledged, and let a consumer blocked on {@code maxUnackedMessagesPerConsumer} resume once its
 * unacknowledged count is down to half the limit.
 *
 * <p>The Java client acknowledges a batch by index until every message of it was acknowledged, and only then the
 * whole entry. A batch the broker delivers with some indexes already acknowledged (the filter's per-message path
 * acknowledges the non-matching ones) never gets that whole-entry acknowledgement: the client counts the indexes
 * it was never given as still to be acknowledged. Without this, a filtered Shared consumer that once reached its
 * unacknowledged limit stays blocked with nothing unacknowledged (stats {@code blockedConsumerOnUnackedMsgs=true,
 * unackedMessages=0}), and its pending acknowledgements keep every split entry it ever received.
 *
 * <p>The broker's types stay out of this class so that it runs in unit tests.
 */
public final class BatchIndexAckCompletion {
    /** The subscription's cursor: whether every message of an entry is acknowledged. */
    public interface Cursor {
        boolean isEntryDeleted(long ledgerId, long entryId);
    }

    /** A consumer of the subscription. */
    public interface Owner {
        /** Removes the entry from this consumer's pending acknowledgements; false when it was not there. */
        boolean removePendingAck(long ledgerId, long entryId);

        /** Whether the broker stopped dispatching to this consumer on its unacknowledged-message limit. */
        boolean isBlocked();

        /** Pulsar's own check: unblocks (and hands over the permits it received meanwhile) at half the limit. */
        void resumeIfBelowLimit();
    }

    private BatchIndexAckCompletion() {
    }

    /**
     * Whether {@code ack} is one Pulsar leaves incomplete: individual, outside a transaction (the transaction path
     * removes pending acknowledgements itself), with at least one message id carrying an ack set.
     */
    public static boolean concerns(CommandAck ack) {
        if (ack == null || ack.getAckType() != CommandAck.AckType.Individual
                || (ack.hasTxnidMostBits() && ack.hasTxnidLeastBits())) {
            return false;
        }
        for (int i = 0; i < ack.getMessageIdsCount(); i++) {
            if (ack.getMessageIdAt(i).getAckSetsCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs after the broker processed {@code ack}.
     *
     * @param owners the subscription's consumers, the one that sent the acknowledgement first (Pulsar looks for
     *               the owner of an entry in that order)
     * @return how many entries were removed from pending acknowledgements
     */
    public static int afterAck(CommandAck ack, Cursor cursor, List<? extends Owner> owners) {
        if (!concerns(ack)) {
            return 0;
        }
        int removed = 0;
        for (int i = 0; i < ack.getMessageIdsCount(); i++) {
            MessageIdData id = ack.getMessageIdAt(i);
            if (id.getAckSetsCount() == 0 || !cursor.isEntryDeleted(id.getLedgerId(), id.getEntryId())) {
                continue;
            }
            for (Owner owner : owners) {
                if (owner.removePendingAck(id.getLedgerId(), id.getEntryId())) {
                    removed++;
                    break;
                }
            }
        }
        // Batch-index acknowledgements lowered the unacknowledged counts; Pulsar never rechecks the block for them.
        for (Owner owner : owners) {
            if (owner.isBlocked()) {
                owner.resumeIfBelowLimit();
            }
        }
        return removed;
    }
}
