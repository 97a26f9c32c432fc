package io.magnetar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.flags.Feature;
import io.magnetar.flags.FeatureSet;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class MagnetarConfigTest {

    @Test
    void defaultsWhenKeysAreAbsent() {
        MagnetarConfig config = MagnetarConfig.from(new Properties());
        assertEquals(FeatureSet.NONE, config.defaultFeatures());
        assertEquals(30, config.featureRefreshSeconds());
    }

    @Test
    void readsKeys() {
        Properties p = new Properties();
        p.setProperty("magnetarDefaultFeatures", "delay,tagFilter");
        p.setProperty("magnetarFeatureRefreshSeconds", "5");
        MagnetarConfig config = MagnetarConfig.from(p);
        assertEquals(FeatureSet.of(Feature.DELAY, Feature.TAG_FILTER), config.defaultFeatures());
        assertEquals(5, config.featureRefreshSeconds());
    }

    @Test
    void badValuesNameTheKey() {
        Properties p = new Properties();
        p.setProperty("magnetarDefaultFeatures", "delay,bogus");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MagnetarConfig.from(p));
        assertTrue(e.getMessage().startsWith("magnetarDefaultFeatures: unknown feature 'bogus'"), e.getMessage());

        Properties q = new Properties();
        q.setProperty("magnetarFeatureRefreshSeconds", "soon");
        e = assertThrows(IllegalArgumentException.class, () -> MagnetarConfig.from(q));
        assertEquals("magnetarFeatureRefreshSeconds: 'soon' is not a whole number", e.getMessage());

        q.setProperty("magnetarFeatureRefreshSeconds", "-1");
        e = assertThrows(IllegalArgumentException.class, () -> MagnetarConfig.from(q));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }
}
