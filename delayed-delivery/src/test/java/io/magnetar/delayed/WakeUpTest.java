package io.magnetar.delayed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WakeUpTest {
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicInteger fired = new AtomicInteger();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void keepsOnlyTheEarliestPendingWakeUp() {
        executor.setRemoveOnCancelPolicy(true); // as the broker's executors are set
        WakeUp wakeUp = new WakeUp(executor, clock::get, 60_000, fired::incrementAndGet);
        wakeUp.at(clock.get() + 50_000);
        wakeUp.at(clock.get() + 40_000);
        wakeUp.at(clock.get() + 45_000); // later than the pending one: ignored
        assertEquals(1, executor.getQueue().size(), "one pending wake-up");
        assertEquals(40_000, ((Delayed) executor.getQueue().peek()).getDelay(TimeUnit.MILLISECONDS), 1_000);
    }

    @Test
    void sleepsNoLongerThanTheCapAndFiresOncePerArming() throws Exception {
        WakeUp wakeUp = new WakeUp(executor, clock::get, 20, fired::incrementAndGet);
        wakeUp.at(clock.get() + 3_600_000); // an hour away: woken after the 20 ms cap
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fired.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, fired.get());
        wakeUp.at(clock.get() - 10); // already due: fires at once
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fired.get() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(2, fired.get());
    }

    @Test
    void cancelledMeansNeverAgain() throws Exception {
        WakeUp wakeUp = new WakeUp(executor, clock::get, 60_000, fired::incrementAndGet);
        wakeUp.at(clock.get() + 10);
        wakeUp.cancel();
        wakeUp.at(clock.get());
        executor.shutdown();
        assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(0, fired.get());
    }
}
