package io.magnetar.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition; the failure message shows the last observed value. */
final class Await {
    private Await() {
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, () -> "", condition);
    }

    static void until(String what, Duration timeout, Supplier<String> lastSeen, BooleanSupplier condition) {
        until(what, timeout, Duration.ofMillis(50), lastSeen, condition);
    }

    /** With its own polling interval: for conditions whose check itself loads the broker under test. */
    static void until(String what, Duration timeout, Duration poll, Supplier<String> lastSeen,
                      BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not true within " + timeout + "; last seen: " + lastSeen.get());
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
