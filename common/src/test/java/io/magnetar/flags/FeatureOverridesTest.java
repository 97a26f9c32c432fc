package io.magnetar.flags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureOverridesTest {

    @Test
    void parsesBooleansAndNulls() {
        Map<Feature, Boolean> patch = FeatureOverrides.parsePatch("{\"delay\": true, \"retry\": false, "
                + "\"tagFilter\": null}");
        assertEquals(3, patch.size());
        assertEquals(Boolean.TRUE, patch.get(Feature.DELAY));
        assertEquals(Boolean.FALSE, patch.get(Feature.RETRY));
        assertTrue(patch.containsKey(Feature.TAG_FILTER));
        assertNull(patch.get(Feature.TAG_FILTER));
    }

    @Test
    void refusesWhatItCannotApply() {
        assertMessage("unknown feature 'teleport'", "{\"delay\": true, \"teleport\": true}");
        assertMessage("malformed JSON", "{\"delay\": tru");
        assertMessage("must be a JSON object", "[true]");
        assertMessage("must be true, false or null", "{\"delay\": \"yes\"}");
        assertMessage("must be true, false or null", "{\"delay\": 1}");
        assertMessage("names no feature", "{}");
        assertMessage("empty", "  ");
    }

    private static void assertMessage(String expected, String body) {
        InvalidFeatureRequestException e = assertThrows(InvalidFeatureRequestException.class,
                () -> FeatureOverrides.parsePatch(body));
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void applySetsAndClears() {
        FeatureOverrides o = FeatureOverrides.EMPTY.apply(FeatureOverrides.parsePatch("{\"delay\":true,\"retry\":false}"));
        assertEquals(Map.of(Feature.DELAY, true, Feature.RETRY, false), o.values());
        FeatureOverrides cleared = o.apply(FeatureOverrides.parsePatch("{\"delay\":null}"));
        assertEquals(Map.of(Feature.RETRY, false), cleared.values());
        assertEquals(Map.of(Feature.DELAY, true, Feature.RETRY, false), o.values(), "the original is unchanged");
    }

    @Test
    void storedFormRoundTripsAndSkipsUnknownKeys() throws Exception {
        FeatureOverrides o = FeatureOverrides.EMPTY.apply(Map.of(Feature.DEAD_LETTER, true, Feature.DELAY, false));
        assertEquals(o, FeatureOverrides.fromStoredJson(o.toJsonBytes()));
        FeatureOverrides fromNewer = FeatureOverrides.fromStoredJson(
                "{\"delay\":true,\"quantumTunnel\":true}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of(Feature.DELAY, true), fromNewer.values());
    }
}
