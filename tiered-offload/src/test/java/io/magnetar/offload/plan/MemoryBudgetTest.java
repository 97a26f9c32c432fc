package io.magnetar.offload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void reservationsCannotExceedTheCapacity() throws Exception {
        MemoryBudget budget = new MemoryBudget(10 * 1024);
        assertTrue(budget.acquire(6 * 1024, 0, TimeUnit.MILLISECONDS));
        assertEquals(4 * 1024, budget.availableBytes());
        assertFalse(budget.acquire(6 * 1024, 10, TimeUnit.MILLISECONDS), "only 4 KiB left");
        budget.release(6 * 1024);
        assertTrue(budget.acquire(6 * 1024, 0, TimeUnit.MILLISECONDS));
    }

    @Test
    void aWaitingReservationProceedsWhenRoomIsReleased() throws Exception {
        MemoryBudget budget = new MemoryBudget(8 * 1024);
        assertTrue(budget.acquire(8 * 1024, 0, TimeUnit.MILLISECONDS));
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return budget.acquire(4 * 1024, 30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(waiter.isDone());
        budget.release(8 * 1024);
        assertTrue(waiter.get(30, TimeUnit.SECONDS));
        assertEquals(4 * 1024, budget.availableBytes());
    }

    @Test
    void partialKibibytesRoundUp() throws Exception {
        MemoryBudget budget = new MemoryBudget(4 * 1024);
        assertTrue(budget.acquire(1, 0, TimeUnit.MILLISECONDS));
        assertEquals(3 * 1024, budget.availableBytes());
        budget.release(1);
        assertEquals(4 * 1024, budget.availableBytes());
    }

    @Test
    void aReservationLargerThanTheBudgetIsRefusedAtOnce() {
        MemoryBudget budget = new MemoryBudget(4 * 1024);
        assertThrows(IllegalArgumentException.class, () -> budget.acquire(5 * 1024, 1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(10));
    }
}
