package io.magnetar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MagnetarCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new MagnetarCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()).run(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void badAssignmentsAreRefusedBeforeAnyRequest() throws Exception {
        String url = "http://127.0.0.1:" + closedPort();
        assertEquals(MagnetarCli.USAGE, run("--url", url, "features", "set", "public", "delay=maybe"));
        assertTrue(err().contains("'delay=maybe': value must be on, off or default"), err());
        assertEquals(MagnetarCli.USAGE, run("--url", url, "features", "set", "public", "delay"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "features", "set", "public"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "features", "frobnicate", "public"));
        assertEquals(MagnetarCli.USAGE, run("--url"));
        assertEquals(MagnetarCli.USAGE, run("teleport"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "dlq", "redrive", "persistent://a/b/c"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "dlq", "redrive", "a/b", "sub"));
        assertTrue(err().contains("'a/b' is not persistent://tenant/namespace/topic"), err());
        assertEquals(MagnetarCli.USAGE, run("--url", url, "dlq", "redrive", "a/b/c", "sub", "--max"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "dlq", "redrive", "a/b/c", "sub", "--all", "x"));
        assertTrue(err().contains("unknown option --all of dlq redrive"), err());
    }

    @Test
    void unreachableBrokerIsAFailureNamingTheUrl() throws Exception {
        String url = "http://127.0.0.1:" + closedPort();
        assertEquals(MagnetarCli.FAILED, run("--url", url, "features", "get", "public"));
        assertTrue(err().contains("cannot reach " + url), err());
        assertEquals(MagnetarCli.FAILED, run("--url", url, "dlq", "redrive", "persistent://a/b/c", "sub"));
        assertTrue(err().contains("cannot reach " + url), err());
    }

    @Test
    void jsonReaderHandlesTheApiShapes() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(
                "{\"tenant\":\"a\\\"b\",\"features\":{\"delay\":true,\"retry\":false},\"n\":null,"
                        + "\"list\":[1,-2.5e1],\"u\":\"\\u00e9\"}");
        assertEquals("a\"b", m.get("tenant"));
        assertEquals(Map.of("delay", true, "retry", false), m.get("features"));
        assertTrue(m.containsKey("n"));
        assertEquals(List.of(1.0, -25.0), m.get("list"));
        assertEquals("é", m.get("u"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
    }

    @Test
    void writesBooleansAndNulls() {
        Map<String, Boolean> patch = new java.util.LinkedHashMap<>();
        patch.put("delay", true);
        patch.put("retry", null);
        assertEquals("{\"delay\":true,\"retry\":null}", Json.write(patch));
    }
}
