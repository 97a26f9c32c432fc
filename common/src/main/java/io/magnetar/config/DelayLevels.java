package io.magnetar.config;

import java.util.Arrays;

/**
 * RocketMQ's delay levels: level {@code n} (1-based) waits the n-th duration of the table; a level above the table
 * waits the last one, as RocketMQ clamps it. The table is written as RocketMQ's {@code messageDelayLevel}: durations
 * separated by blanks, each a whole number with unit {@code s}, {@code m}, {@code h} or {@code d}. It is the parsed
 * value of {@code magnetarDelayLevels}; {@link #duration} also parses the retry policy's back-off durations.
 */
public final class DelayLevels {
    public static final String ROCKETMQ_DEFAULT = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

    private final long[] millis;

    private DelayLevels(long[] millis) {
        this.millis = millis;
    }

    /**
     * @throws IllegalArgumentException naming the offending duration when the table does not parse, is empty or
     *     is not strictly increasing
     */
    public static DelayLevels parse(String table) {
        String[] parts = table.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("the delay level table is empty");
        }
        long[] millis = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            millis[i] = duration(parts[i]);
            if (i > 0 && millis[i] <= millis[i - 1]) {
                throw new IllegalArgumentException("delay level " + (i + 1) + " (" + parts[i]
                        + ") is not longer than level " + i + " (" + parts[i - 1] + ")");
            }
        }
        return new DelayLevels(millis);
    }

    /** A whole number with unit s, m, h or d, in milliseconds. */
    public static long duration(String text) {
        if (text.length() < 2) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 5s, 2m, 1h or 1d");
        }
        long unit = switch (text.charAt(text.length() - 1)) {
            case 's' -> 1_000L;
            case 'm' -> 60_000L;
            case 'h' -> 3_600_000L;
            case 'd' -> 86_400_000L;
            default -> throw new IllegalArgumentException("'" + text + "' has no unit s, m, h or d");
        };
        long amount;
        try {
            amount = Long.parseLong(text.substring(0, text.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 5s, 2m, 1h or 1d");
        }
        if (amount <= 0 || amount > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("'" + text + "' is not a positive duration");
        }
        return amount * unit;
    }

    /** The wait of a level ≥ 1, clamped to the last level. */
    public long delayMillis(int level) {
        if (level < 1) {
            throw new IllegalArgumentException("delay level " + level + " is below 1");
        }
        return millis[Math.min(level, millis.length) - 1];
    }

    public int count() {
        return millis.length;
    }

    @Override
    public String toString() {
        return Arrays.toString(millis) + " ms";
    }
}
