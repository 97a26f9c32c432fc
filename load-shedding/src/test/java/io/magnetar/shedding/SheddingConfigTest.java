package io.magnetar.shedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.shedding.SheddingConfig.LoadBalancerKeys;
import io.magnetar.shedding.SheddingConfig.ResourceWeights;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SheddingConfigTest {
    private static Properties props(String... keyValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    @Test
    void defaultsFollowTheStandardKeys() {
        SheddingConfig config = SheddingConfig.from(new Properties(),
                new LoadBalancerKeys(45, 90, ResourceWeights.PULSAR_DEFAULTS));
        assertEquals(45 * 60_000L, config.dwellMillis());
        assertEquals(0.90, config.overloadThreshold(), 1e-9);
        assertEquals(0.08, config.triggerFraction(), 1e-9);
        assertEquals(0.03, config.targetFraction(), 1e-9);
        assertEquals(0.03, config.minGap(), 1e-9);
        assertEquals(12, config.maxMovesPerCycle());
        assertEquals(Set.of(), config.drainBrokers());
    }

    @Test
    void readsItsOwnKeys() {
        SheddingConfig config = SheddingConfig.from(props(
                SheddingConfig.TRIGGER_PERCENT, "12", SheddingConfig.TARGET_PERCENT, "5",
                SheddingConfig.BUNDLE_DWELL_MINUTES, "10", SheddingConfig.MAX_MOVES_PER_CYCLE, "3",
                SheddingConfig.DRAIN_BROKERS, " b1:8080 , b2:8080,"), LoadBalancerKeys.PULSAR_DEFAULTS);
        assertEquals(0.12, config.triggerFraction(), 1e-9);
        assertEquals(0.05, config.targetFraction(), 1e-9);
        assertEquals(600_000L, config.dwellMillis());
        assertEquals(3, config.maxMovesPerCycle());
        assertEquals(Set.of("b1:8080", "b2:8080"), config.drainBrokers());
    }

    @Test
    void badValuesNameTheirKey() {
        for (String[] bad : new String[][] {
                {SheddingConfig.TRIGGER_PERCENT, "lots"},
                {SheddingConfig.MAX_MOVES_PER_CYCLE, "0"},
                {SheddingConfig.SMOOTHING_SECONDS, "-5"},
                {SheddingConfig.TARGET_PERCENT, "9"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SheddingConfig.from(props(bad), LoadBalancerKeys.PULSAR_DEFAULTS));
            assertTrue(e.getMessage().startsWith(bad[0]), e.getMessage());
        }
    }

    @Test
    void weightedMaxUsesTheWeights() {
        ResourceWeights weights = new ResourceWeights(1.0, 0.0, 0.0, 0.5, 1.0);
        assertEquals(0.40, weights.weightedMax(40, 95, 10, 70, 20), 1e-9);
    }
}
