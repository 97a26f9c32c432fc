package io.magnetar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DelayLevelsTest {
    @Test
    void rocketMqDefaultTable() {
        DelayLevels levels = DelayLevels.parse(DelayLevels.ROCKETMQ_DEFAULT);
        assertEquals(18, levels.count());
        assertEquals(1_000, levels.delayMillis(1));
        assertEquals(10_000, levels.delayMillis(3));
        assertEquals(60_000, levels.delayMillis(5));
        assertEquals(7_200_000, levels.delayMillis(18));
        assertEquals(7_200_000, levels.delayMillis(19), "clamped to the last level");
        assertEquals(7_200_000, levels.delayMillis(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> levels.delayMillis(0));
    }

    @Test
    void daysAndCustomTables() {
        DelayLevels levels = DelayLevels.parse("  30s   1d ");
        assertEquals(2, levels.count());
        assertEquals(86_400_000, levels.delayMillis(2));
    }

    @Test
    void badTablesNameTheOffendingDuration() {
        assertMessage("'5x' has no unit", "1s 5x");
        assertMessage("'s' is not a duration", "s");
        assertMessage("'0s' is not a positive duration", "0s 1m");
        assertMessage("is not longer than level 1", "1m 30s");
        assertMessage("is empty", "   ");
        assertMessage("'1.5m' is not a duration", "1.5m");
    }

    private static void assertMessage(String expected, String table) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DelayLevels.parse(table));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
