package io.magnetar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    private static Properties of(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    @Test
    void absentOrBlankGivesTheDefault() {
        assertEquals(7, ConfigValues.wholeNumber(new Properties(), "k", 7, 0, 10));
        assertEquals(2.5, ConfigValues.number(of("k", "  "), "k", 2.5, 0, 10));
    }

    @Test
    void readsTrimmedValuesWithinBounds() {
        assertEquals(10, ConfigValues.wholeNumber(of("k", " 10 "), "k", 0, 0, 10));
        assertEquals(0.5, ConfigValues.number(of("k", "0.5"), "k", 0, 0.5, 1));
    }

    @Test
    void errorsStartWithTheKey() {
        assertEquals("k: '12.5' is not a whole number", assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.wholeNumber(of("k", "12.5"), "k", 0, 0, 100)).getMessage());
        assertEquals("k: 11 is outside 0..10", assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.wholeNumber(of("k", "11"), "k", 0, 0, 10)).getMessage());
        assertEquals("k: 'NaNish' is not a number", assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.number(of("k", "NaNish"), "k", 0, 0, 10)).getMessage());
        assertEquals("k: NaN is outside 0.0..10.0", assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.number(of("k", "NaN"), "k", 0, 0, 10)).getMessage());
    }
}
