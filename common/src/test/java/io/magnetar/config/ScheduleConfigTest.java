package io.magnetar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ScheduleConfigTest {

    @Test
    void configDefaultsAndBadValuesNameTheKey() {
        ScheduleConfig defaults = ScheduleConfig.from(new Properties());
        assertEquals(3 * 86_400_000L, defaults.maxDelayMillis());
        Properties bad = new Properties();
        bad.setProperty(ScheduleConfig.DELAY_LEVELS, "1s 2x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScheduleConfig.from(bad));
        assertTrue(e.getMessage().startsWith("magnetarDelayLevels: "), e.getMessage());
        Properties zero = new Properties();
        zero.setProperty(ScheduleConfig.MAX_DELAY_SECONDS, "0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScheduleConfig.from(zero)).getMessage()
                .startsWith("magnetarScheduleMaxDelaySeconds"));
    }
}
