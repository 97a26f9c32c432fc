package io.magnetar.filter.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pulsar.common.api.proto.CommandAck;
import org.apache.pulsar.common.api.proto.MessageIdData;
import org.junit.jupiter.api.Test;

class BatchIndexAckCompletionTest {
    /** A consumer with pending entries "ledger:entry", blocked until resumed with few enough unacked messages. */
    private static final class FakeConsumer implements BatchIndexAckCompletion.Owner {
        final Set<String> pending = new HashSet<>();
        boolean blocked;
        int unacked;
        final int limit;
        int resumeChecks;

        FakeConsumer(int limit, String... pendingEntries) {
            this.limit = limit;
            pending.addAll(List.of(pendingEntries));
        }

        @Override
        public boolean removePendingAck(long ledgerId, long entryId) {
            return pending.remove(ledgerId + ":" + entryId);
        }

        @Override
        public boolean isBlocked() {
            return blocked;
        }

        @Override
        public void resumeIfBelowLimit() {
            resumeChecks++;
            if (unacked <= limit / 2) {
                blocked = false;
            }
        }
    }

    private final Set<String> deleted = new HashSet<>();
    private final BatchIndexAckCompletion.Cursor cursor = (l, e) -> deleted.contains(l + ":" + e);

    private static CommandAck individual() {
        return new CommandAck().setConsumerId(1).setAckType(CommandAck.AckType.Individual);
    }

    private static void add(CommandAck ack, long ledgerId, long entryId, long... ackSet) {
        MessageIdData id = ack.addMessageId().setLedgerId(ledgerId).setEntryId(entryId);
        for (long word : ackSet) {
            id.addAckSet(word);
        }
    }

    @Test
    void onlyNonTransactionalIndividualAcksWithAckSetsConcernIt() {
        CommandAck whole = individual();
        add(whole, 3, 1);
        assertFalse(BatchIndexAckCompletion.concerns(whole), "whole-entry acks are completed by Pulsar");

        CommandAck byIndex = individual();
        add(byIndex, 3, 1);
        add(byIndex, 3, 2, 0b1010L);
        assertTrue(BatchIndexAckCompletion.concerns(byIndex));

        CommandAck cumulative = new CommandAck().setConsumerId(1).setAckType(CommandAck.AckType.Cumulative);
        add(cumulative, 3, 2, 0b1010L);
        assertFalse(BatchIndexAckCompletion.concerns(cumulative));

        CommandAck transactional = individual().setTxnidMostBits(1).setTxnidLeastBits(2);
        add(transactional, 3, 2, 0b1010L);
        assertFalse(BatchIndexAckCompletion.concerns(transactional), "the transaction path removes them itself");
        assertFalse(BatchIndexAckCompletion.concerns(null));
    }

    @Test
    void aFullyAcknowledgedSplitEntryLeavesItsOwnersPendingAcks() {
        FakeConsumer acking = new FakeConsumer(20, "3:1", "3:2");
        FakeConsumer other = new FakeConsumer(20, "3:3");
        CommandAck ack = individual();
        // the client still counts the filtered-out indexes as unacknowledged: its ack set is never empty
        add(ack, 3, 1, 0b1010L);
        add(ack, 3, 2, 0b0101L);
        add(ack, 3, 3, 0b0011L);
        deleted.add("3:1");
        deleted.add("3:3");

        assertEquals(2, BatchIndexAckCompletion.afterAck(ack, cursor, List.of(acking, other)));
        assertEquals(Set.of("3:2"), acking.pending, "3:2 still has unacknowledged messages on the cursor");
        assertEquals(Set.of(), other.pending, "an entry acknowledged through another consumer leaves its owner");
    }

    @Test
    void aBlockedConsumerIsRecheckedAfterBatchIndexAcks() {
        FakeConsumer blocked = new FakeConsumer(20, "3:1");
        blocked.blocked = true;
        blocked.unacked = 0;
        FakeConsumer notBlocked = new FakeConsumer(20);
        CommandAck ack = individual();
        add(ack, 3, 1, 0b1010L);

        BatchIndexAckCompletion.afterAck(ack, cursor, List.of(notBlocked, blocked));
        assertFalse(blocked.blocked, "resumed: nothing is unacknowledged, even though no entry completed");
        assertEquals(Set.of("3:1"), blocked.pending);
        assertEquals(0, notBlocked.resumeChecks, "a consumer that is not blocked is left alone");
    }

    @Test
    void aConsumerStillOverHalfItsLimitStaysBlocked() {
        FakeConsumer blocked = new FakeConsumer(20);
        blocked.blocked = true;
        blocked.unacked = 11;
        CommandAck ack = individual();
        add(ack, 3, 1, 0b1010L);

        BatchIndexAckCompletion.afterAck(ack, cursor, List.of(blocked));
        assertEquals(1, blocked.resumeChecks);
        assertTrue(blocked.blocked);
    }

    @Test
    void wholeEntryAcksAreLeftToPulsar() {
        FakeConsumer blocked = new FakeConsumer(20, "3:1");
        blocked.blocked = true;
        CommandAck ack = individual();
        add(ack, 3, 1);
        deleted.add("3:1");

        assertEquals(0, BatchIndexAckCompletion.afterAck(ack, cursor, List.of(blocked)));
        assertEquals(Set.of("3:1"), blocked.pending);
        assertEquals(0, blocked.resumeChecks);
    }
}
