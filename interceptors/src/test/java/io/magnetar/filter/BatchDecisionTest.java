package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BatchDecisionTest {
    @Test
    void allOrNothingIsTheSameWithOrWithoutBatchIndexAck() {
        for (boolean batchIndexAck : new boolean[] {false, true}) {
            assertEquals(BatchDecision.DELIVER, BatchDecision.of(1, 1, batchIndexAck));
            assertEquals(BatchDecision.DROP, BatchDecision.of(1, 0, batchIndexAck));
            assertEquals(BatchDecision.DELIVER, BatchDecision.of(10, 10, batchIndexAck));
            assertEquals(BatchDecision.DROP, BatchDecision.of(10, 0, batchIndexAck));
        }
    }

    @Test
    void mixedBatchIsSplitOnlyWithBatchIndexAck() {
        assertEquals(BatchDecision.DELIVER_MATCHING, BatchDecision.of(10, 3, true));
        assertEquals(BatchDecision.DELIVER_WHOLE_BATCH, BatchDecision.of(10, 3, false));
        assertEquals(BatchDecision.DELIVER_MATCHING, BatchDecision.of(2, 1, true));
    }

    @Test
    void impossibleCountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BatchDecision.of(3, 4, true));
        assertThrows(IllegalArgumentException.class, () -> BatchDecision.of(3, -1, false));
    }
}
