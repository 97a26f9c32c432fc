package io.magnetar.flags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureSetTest {

    @Test
    void parsesListsAllAndNone() {
        FeatureSet set = FeatureSet.parse("k", " delay , deadLetter ");
        assertTrue(set.contains(Feature.DELAY));
        assertTrue(set.contains(Feature.DEAD_LETTER));
        assertFalse(set.contains(Feature.RETRY));
        assertEquals(FeatureSet.ALL, FeatureSet.parse("k", "all"));
        assertEquals(FeatureSet.NONE, FeatureSet.parse("k", "none"));
        assertEquals(FeatureSet.NONE, FeatureSet.parse("k", "  "));
        assertEquals(FeatureSet.NONE, FeatureSet.parse("k", null));
        for (Feature f : Feature.values()) {
            assertTrue(FeatureSet.ALL.contains(f), f.wireName());
            assertFalse(FeatureSet.NONE.contains(f), f.wireName());
        }
    }

    @Test
    void unknownNameNamesKeyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureSet.parse("magnetarDefaultFeatures", "delay,teleport"));
        assertTrue(e.getMessage().contains("magnetarDefaultFeatures"), e.getMessage());
        assertTrue(e.getMessage().contains("'teleport'"), e.getMessage());
        assertTrue(e.getMessage().contains("deadLetter"), "lists the known names: " + e.getMessage());
    }

    @Test
    void namesAreCaseSensitive() {
        assertThrows(IllegalArgumentException.class, () -> FeatureSet.parse("k", "Delay"));
    }

    @Test
    void overridesApplyOnTopOfDefaults() {
        Map<Feature, Boolean> overrides = new EnumMap<>(Feature.class);
        overrides.put(Feature.DELAY, false);
        overrides.put(Feature.TAG_FILTER, true);
        FeatureSet result = FeatureSet.of(Feature.DELAY, Feature.RETRY).withOverrides(overrides);
        assertEquals(FeatureSet.of(Feature.RETRY, Feature.TAG_FILTER), result);
        assertEquals("[retry,tagFilter]", result.toString());
    }

    @Test
    void wireMapListsEveryFeatureInOrder() {
        Map<String, Boolean> map = FeatureSet.of(Feature.TRANSACTION).toWireMap();
        assertEquals(java.util.List.of("delay", "transaction", "retry", "deadLetter", "tagFilter"),
                java.util.List.copyOf(map.keySet()));
        assertEquals(Boolean.TRUE, map.get("transaction"));
        assertEquals(Boolean.FALSE, map.get("delay"));
    }
}
