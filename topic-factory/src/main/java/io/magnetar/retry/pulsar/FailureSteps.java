package io.magnetar.retry.pulsar;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The failure steps a topic's broker took recently — "message O of subscription S became reconsume n" or "went to
 * the dead-letter topic" — so that the same step is never taken twice. A step comes back when the subscription's
 * acknowledgement of an entry already taken over is lost (kill -9) and the entry fails again; without this it would
 * start a second chain of redeliveries and, in the end, a second dead letter.
 *
 * <p>Steps are kept {@link #KEEP_MILLIS} (far longer than the acknowledgements a crash can lose), at most
 * {@link #MAX_STEPS}; the oldest are dropped first when pruned.
 */
public final class FailureSteps {
    static final long KEEP_MILLIS = 10 * 60_000;
    static final int MAX_STEPS = 1_000_000;
    private static final int PRUNE_EVERY = 4_096;

    private final ConcurrentHashMap<String, Long> taken = new ConcurrentHashMap<>();
    private final AtomicLong claims = new AtomicLong();
    private final LongSupplier clock;

    public FailureSteps() {
        this(System::currentTimeMillis);
    }

    FailureSteps(LongSupplier clock) {
        this.clock = clock;
    }

    /** True when the step was not taken yet (it is now); false when it was. */
    public boolean claim(String step) {
        long now = clock.getAsLong();
        Long previous = taken.putIfAbsent(step, now);
        if (previous != null && now - previous <= KEEP_MILLIS) {
            return false;
        }
        if (previous != null) {
            taken.put(step, now);
        }
        if (claims.incrementAndGet() % PRUNE_EVERY == 0 || taken.size() > MAX_STEPS) {
            prune(now);
        }
        return true;
    }

    /** Gives a claimed step back: taking it failed, so a later failure may take it. */
    public void release(String step) {
        taken.remove(step);
    }

    int size() {
        return taken.size();
    }

    private void prune(long now) {
        taken.values().removeIf(at -> now - at > KEEP_MILLIS);
        if (taken.size() > MAX_STEPS) {
            long cutoff = taken.values().stream().sorted().skip(taken.size() - MAX_STEPS).findFirst().orElse(now);
            taken.values().removeIf(at -> at < cutoff);
        }
    }
}
