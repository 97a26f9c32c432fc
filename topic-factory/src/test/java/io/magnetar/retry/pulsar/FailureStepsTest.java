package io.magnetar.retry.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureStepsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final FailureSteps steps = new FailureSteps(now::get);

    @Test
    void aStepIsTakenOnceUntilReleasedOrForgotten() {
        String step = FailedMessages.step(false, "billing", "7:3:-1:0", null, "2");
        assertTrue(steps.claim(step));
        assertFalse(steps.claim(step), "the same failure again after a lost acknowledgement");
        steps.release(step);
        assertTrue(steps.claim(step), "released after a failed take-over");
        now.addAndGet(FailureSteps.KEEP_MILLIS + 1);
        assertTrue(steps.claim(step), "forgotten after the keep time");
    }

    @Test
    void stepsDifferBySubscriptionReconsumeRedriveAndDeadLetter() {
        String base = FailedMessages.step(false, "billing", "7:3:-1", null, "1");
        assertEquals(base, FailedMessages.step(false, "billing", "7:3:-1", "0", "1"), "no re-drive = re-drive 0");
        assertNotEquals(base, FailedMessages.step(false, "audit", "7:3:-1", null, "1"));
        assertNotEquals(base, FailedMessages.step(false, "billing", "7:3:-1", null, "2"));
        assertNotEquals(base, FailedMessages.step(false, "billing", "7:3:-1", "1", "1"));
        assertNotEquals(base, FailedMessages.step(true, "billing", "7:3:-1", null, null));
    }

    @Test
    void oldStepsArePruned() {
        for (int i = 0; i < 5_000; i++) {
            steps.claim("old-" + i);
        }
        now.addAndGet(FailureSteps.KEEP_MILLIS + 1);
        for (int i = 0; i < 5_000; i++) {
            steps.claim("new-" + i);
        }
        assertTrue(steps.size() < 10_000, "pruned: " + steps.size());
    }
}
