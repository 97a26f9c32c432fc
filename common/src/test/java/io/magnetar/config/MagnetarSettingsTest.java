package io.magnetar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MagnetarSettingsTest {

    @Test
    void defaultsOfEveryPluginComeFromOneParse() {
        MagnetarSettings settings = MagnetarSettings.from(new Properties());
        assertEquals(30, settings.flags().featureRefreshSeconds());
        assertEquals(DelayedDeliveryConfig.DEFAULTS, settings.delayed());
        assertEquals(3 * 86_400_000L, settings.schedule().maxDelayMillis());
        assertEquals(15, settings.transaction().checkMax());
    }

    /** Whichever plugin parses them, a bad key of another plugin fails the parse and is named. */
    @ParameterizedTest
    @CsvSource({
        "magnetarDefaultFeatures, delay teleport",
        "magnetarFeatureRefreshSeconds, -1",
        "magnetarDelayedWindowSeconds, 0",
        "magnetarDelayedChunkSize, lots",
        "magnetarDelayLevels, 1s 2x",
        "magnetarScheduleMaxDelaySeconds, 0",
        "magnetarTransactionTimeoutSeconds, 0",
        "magnetarTransactionCheckMax, -1",
    })
    void aBadValueOfAnyPluginsKeyNamesTheKey(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MagnetarSettings.from(p));
        assertTrue(e.getMessage().startsWith(key), e.getMessage());
    }
}
