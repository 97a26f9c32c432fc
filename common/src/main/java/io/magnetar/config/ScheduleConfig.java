package io.magnetar.config;

import java.util.Properties;

/**
 * The scheduled-message keys of broker.conf (the topic factory's), parsed once; a bad value names the key.
 *
 * @param levels the delay levels ({@code DELAY=<level>})
 * @param maxDelayMillis the cluster's maximum timer delay
 */
public record ScheduleConfig(DelayLevels levels, long maxDelayMillis) {
    public static final String DELAY_LEVELS = "magnetarDelayLevels";
    public static final String MAX_DELAY_SECONDS = "magnetarScheduleMaxDelaySeconds";
    static final long DEFAULT_MAX_DELAY_SECONDS = 3 * 86_400;

    public static ScheduleConfig from(Properties properties) {
        String table = properties.getProperty(DELAY_LEVELS);
        DelayLevels levels;
        try {
            levels = DelayLevels.parse(table == null || table.isBlank() ? DelayLevels.ROCKETMQ_DEFAULT : table);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(DELAY_LEVELS + ": " + e.getMessage());
        }
        long maxDelaySeconds = ConfigValues.wholeNumber(properties, MAX_DELAY_SECONDS, DEFAULT_MAX_DELAY_SECONDS, 1,
                10L * 365 * 86_400);
        return new ScheduleConfig(levels, maxDelaySeconds * 1000);
    }
}
