package io.magnetar.delayed;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One re-armable wake-up on a shared scheduled executor: at most one pending, always for the earliest time asked
 * for, and never sleeping longer than {@code maxSleepMillis} so that a wall-clock jump forward is noticed.
 */
public final class WakeUp {
    private final ScheduledExecutorService executor;
    private final LongSupplier clock;
    private final long maxSleepMillis;
    private final Runnable action;
    private ScheduledFuture<?> pending;
    private long pendingAt = Long.MAX_VALUE;
    private boolean cancelled;

    public WakeUp(ScheduledExecutorService executor, LongSupplier clock, long maxSleepMillis, Runnable action) {
        this.executor = executor;
        this.clock = clock;
        this.maxSleepMillis = maxSleepMillis;
        this.action = action;
    }

    /** The single daemon thread a broker's wake-ups share; cancelled wake-ups leave its queue at once. */
    public static ScheduledThreadPoolExecutor executor(String threadName) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** Wakes at {@code time} (clock ms) unless a wake-up at or before it is already pending. */
    public synchronized void at(long time) {
        if (cancelled || time == Long.MAX_VALUE || time >= pendingAt && pending != null && !pending.isDone()) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        pendingAt = time;
        long delay = Math.min(maxSleepMillis, Math.max(0, time - clock.getAsLong()));
        pending = executor.schedule(this::fire, delay, TimeUnit.MILLISECONDS);
    }

    private void fire() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            pending = null;
            pendingAt = Long.MAX_VALUE;
        }
        action.run();
    }

    /** No more wake-ups. */
    public synchronized void cancel() {
        cancelled = true;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
