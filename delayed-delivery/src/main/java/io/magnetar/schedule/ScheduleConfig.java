package io.magnetar.schedule;

import io.magnetar.config.ConfigValues;
import java.util.Properties;

/**
 * The scheduled-message keys of broker.conf, parsed once; a bad value names the key.
 *
 * @param rules the delay levels and the cluster's maximum timer delay
 */
public record ScheduleConfig(ScheduleRules rules) {
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
        return new ScheduleConfig(new ScheduleRules(levels, maxDelaySeconds * 1000));
    }
}
