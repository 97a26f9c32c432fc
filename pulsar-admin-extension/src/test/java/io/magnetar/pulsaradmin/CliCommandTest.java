package io.magnetar.pulsaradmin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.admin.cli.extensions.ParameterDescriptor;
import org.junit.jupiter.api.Test;

class CliCommandTest {
    private final CliCommand features = new CliCommand("features", "get|set|reset TENANT");

    @Test
    void everySlotIsAnOptionalPositionalWordNamedInOrder() {
        List<ParameterDescriptor> slots = features.parameters();
        assertEquals(CliCommand.WORDS, slots.size());
        for (int i = 0; i < slots.size(); i++) {
            assertTrue(slots.get(i).isMainParameter());
            assertFalse(slots.get(i).isRequired(), "a required slot would be ordered last by picocli");
            assertEquals(List.of("word" + i), slots.get(i).getNames());
        }
        assertEquals("get|set|reset TENANT", slots.get(0).getDescription());
    }

    @Test
    void wordsAreTakenInSlotOrderUpToTheFirstEmptySlot() {
        Map<String, Object> given = new HashMap<>();
        given.put("word0", "set");
        given.put("word1", "public");
        given.put("word2", "delay=on");
        given.put("word3", null);
        given.put("word4", "ignored");
        assertEquals(List.of("set", "public", "delay=on"), CliCommand.words(given));
        assertEquals(List.of(), CliCommand.words(Map.of()));
    }

    @Test
    void theReasonIsTheFirstErrorLineWithoutTheCliPrefix() {
        assertEquals("HTTP 400: unknown feature 'bogus'",
                CliCommand.reason("magnetar: HTTP 400: unknown feature 'bogus'\n"));
        assertEquals("unknown features subcommand 'sett'",
                CliCommand.reason("magnetar: unknown features subcommand 'sett'\nusage: magnetar [--url URL] ...\n"));
        assertEquals("failed", CliCommand.reason("  \n"));
    }
}
