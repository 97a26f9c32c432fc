package io.magnetar.schedule;

import io.magnetar.api.MessageKeys;
import io.magnetar.config.DelayLevels;
import java.util.Set;
import java.util.function.Function;

/**
 * RocketMQ's scheduling properties, decided the way a RocketMQ 5 broker does, except where noted:
 * <ul>
 *   <li>{@code DELAY=<level>}: the level's wait from the table (clamped to the last level). A level wins over
 *       timer properties.</li>
 *   <li>Timer properties, first present wins: {@code TIMER_DELAY_SEC=<s>}, {@code TIMER_DELAY_MS=<ms>} (both from
 *       now), {@code TIMER_DELIVER_MS=<epoch ms>}, {@code __STARTDELIVERTIME=<epoch ms>} (alias).</li>
 *   <li>A timer further away than the maximum delay is refused; levels are bounded by their table.</li>
 *   <li>Refused, unlike RocketMQ which delivers some of them at once: a level ≤ 0, a value that is not a whole
 *       number, a negative relative delay. A past absolute time is delivered at once (as RocketMQ does).</li>
 *   <li>Never rounded down: RocketMQ's timer wheel may deliver up to its precision early; this never does.</li>
 * </ul>
 */
public final class ScheduleRules {
    public static final String DELAY = MessageKeys.DELAY;
    public static final String TIMER_DELAY_SEC = MessageKeys.TIMER_DELAY_SEC;
    public static final String TIMER_DELAY_MS = MessageKeys.TIMER_DELAY_MS;
    public static final String TIMER_DELIVER_MS = MessageKeys.TIMER_DELIVER_MS;
    public static final String START_DELIVER_TIME = MessageKeys.START_DELIVER_TIME;
    /** Every property that schedules a message. */
    public static final Set<String> PROPERTIES =
            Set.of(DELAY, TIMER_DELAY_SEC, TIMER_DELAY_MS, TIMER_DELIVER_MS, START_DELIVER_TIME);

    private final DelayLevels levels;
    private final long maxDelayMillis;

    public ScheduleRules(DelayLevels levels, long maxDelayMillis) {
        if (maxDelayMillis <= 0) {
            throw new IllegalArgumentException("the maximum delay must be positive: " + maxDelayMillis);
        }
        this.levels = levels;
        this.maxDelayMillis = maxDelayMillis;
    }

    public long maxDelayMillis() {
        return maxDelayMillis;
    }

    /**
     * @param properties the message's property lookup (null when absent)
     * @param now the broker's clock, epoch ms
     * @param maxDelayMillis the maximum delay in force for the message's namespace
     */
    public ScheduleDecision decide(Function<String, String> properties, long now, long maxDelayMillis) {
        String level = properties.apply(DELAY);
        if (level != null) {
            long value;
            try {
                value = Long.parseLong(level.trim());
            } catch (NumberFormatException e) {
                return new ScheduleDecision.Refuse(DELAY + "='" + level + "' is not a whole number");
            }
            if (value < 1) {
                return new ScheduleDecision.Refuse(DELAY + "=" + value + ": delay levels start at 1");
            }
            int clamped = (int) Math.min(value, levels.count());
            return new ScheduleDecision.Hold(now + levels.delayMillis(clamped));
        }
        String relativeSeconds = properties.apply(TIMER_DELAY_SEC);
        if (relativeSeconds != null) {
            return relative(TIMER_DELAY_SEC, relativeSeconds, 1_000, now, maxDelayMillis);
        }
        String relativeMillis = properties.apply(TIMER_DELAY_MS);
        if (relativeMillis != null) {
            return relative(TIMER_DELAY_MS, relativeMillis, 1, now, maxDelayMillis);
        }
        String absolute = properties.apply(TIMER_DELIVER_MS);
        String key = TIMER_DELIVER_MS;
        if (absolute == null) {
            absolute = properties.apply(START_DELIVER_TIME);
            key = START_DELIVER_TIME;
        }
        if (absolute == null) {
            return ScheduleDecision.UNSCHEDULED;
        }
        long dueAt;
        try {
            dueAt = Long.parseLong(absolute.trim());
        } catch (NumberFormatException e) {
            return new ScheduleDecision.Refuse(key + "='" + absolute + "' is not a whole number of epoch milliseconds");
        }
        return at(key, dueAt, now, maxDelayMillis);
    }

    /**
     * Pulsar's own {@code deliverAt}, for a namespace that asks for the topic-level treatment: held like
     * {@code TIMER_DELIVER_MS}, refused beyond the maximum delay, delivered at once when already due.
     */
    public ScheduleDecision decideDeliverAt(long deliverAt, long now, long maxDelayMillis) {
        return at("deliverAt", deliverAt, now, maxDelayMillis);
    }

    /** {@link #decide(Function, long, long)} with the cluster's maximum delay. */
    public ScheduleDecision decide(Function<String, String> properties, long now) {
        return decide(properties, now, maxDelayMillis);
    }

    private static ScheduleDecision relative(String key, String text, long unitMillis, long now, long maxDelay) {
        long amount;
        try {
            amount = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return new ScheduleDecision.Refuse(key + "='" + text + "' is not a whole number");
        }
        if (amount < 0) {
            return new ScheduleDecision.Refuse(key + "=" + amount + " is negative");
        }
        if (amount > maxDelay / unitMillis) {
            return new ScheduleDecision.Refuse(key + "=" + amount + " exceeds the maximum delay of "
                    + maxDelay / 1000 + " s");
        }
        return at(key, now + amount * unitMillis, now, maxDelay);
    }

    private static ScheduleDecision at(String key, long dueAt, long now, long maxDelay) {
        if (dueAt <= now) {
            return ScheduleDecision.DUE_NOW;
        }
        if (dueAt - now > maxDelay) {
            return new ScheduleDecision.Refuse(key + "=" + dueAt + " is " + (dueAt - now) / 1000
                    + " s away, beyond the maximum delay of " + maxDelay / 1000 + " s");
        }
        return new ScheduleDecision.Hold(dueAt);
    }
}
