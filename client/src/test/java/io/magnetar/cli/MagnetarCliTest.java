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
        assertEquals(MagnetarCli.USAGE, run("--url", url, "retry", "set", "acme/orders"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "retry", "set", "acme/orders", "retries=3"));
        assertTrue(err().contains("'retries=3' is not KEY=VALUE"), err());
        assertEquals(MagnetarCli.USAGE, run("--url", url, "retry", "get", "persistent://acme/orders/t"));
        assertTrue(err().contains("needs a subscription"), err());
        assertEquals(MagnetarCli.USAGE, run("--url", url, "retry", "get", "acme"));
        assertEquals(MagnetarCli.USAGE, run("--url", url, "retry", "reset", "acme/orders", "backoff=1s"));
    }

    @Test
    void retrySetSendsThePatchAndPrintsThePolicyInEffect() throws Exception {
        List<String> requests = new java.util.ArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/magnetar/v1/retry/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = ("{\"namespace\":\"acme/orders\",\"topic\":\"persistent://acme/orders/pay ments\","
                    + "\"subscription\":\"billing\",\"set\":{\"maxReconsumeTimes\":\"3\"},"
                    + "\"namespaceSet\":{\"backoff\":\"1s 1m\"},\"effective\":{\"maxReconsumeTimes\":3,"
                    + "\"backoffMillis\":[1000,60000,1500],\"deadLetterTopic\":\"persistent://acme/orders/dlq\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals(MagnetarCli.OK, run("--url", url, "retry", "set", "persistent://acme/orders/pay ments",
                    "billing", "maxReconsumeTimes=3", "backoff=default", "deadLetterTopic=a\"b"), err());
            assertEquals(List.of("PUT /magnetar/v1/retry/acme/orders/pay+ments/billing "
                    + "{\"maxReconsumeTimes\":\"3\",\"backoff\":null,\"deadLetterTopic\":\"a\\\"b\"}"), requests);
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("subscription billing of persistent://acme/orders/pay ments"), printed);
            assertTrue(printed.matches("(?s).*maxReconsumeTimes +3 +subscription.*"), printed);
            assertTrue(printed.matches("(?s).*backoff +1s 60s 1500ms +namespace.*"), printed);
            assertTrue(printed.matches("(?s).*deadLetterTopic +persistent://acme/orders/dlq +default.*"), printed);
            assertEquals(MagnetarCli.OK, run("--url", url, "retry", "reset", "acme/orders"), err());
            assertEquals("DELETE /magnetar/v1/retry/acme/orders ", requests.get(1));
        } finally {
            server.stop(0);
        }
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
