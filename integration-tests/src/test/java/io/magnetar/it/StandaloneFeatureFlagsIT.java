package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.Ports;
import io.magnetar.it.harness.PulsarRuntime;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's story on one standalone broker: Magnetar installed by install.sh, the REST API and CLI switch
 * features per tenant, the broker's metrics endpoints show Magnetar's counters, and the flags survive kill -9.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneFeatureFlagsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OTEL_PORT = Ports.free();
    private static StandaloneCluster pulsar;
    private static String api;

    @BeforeAll
    static void start() {
        pulsar = StandaloneCluster.builder("flags")
                .env("OTEL_SDK_DISABLED", "false")
                .env("OTEL_METRICS_EXPORTER", "prometheus")
                .env("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
                .env("OTEL_EXPORTER_PROMETHEUS_PORT", Integer.toString(OTEL_PORT))
                .start();
        api = pulsar.webUrl() + "/magnetar/v1/tenants/";
    }

    @AfterAll
    static void stop() {
        if (pulsar != null) {
            pulsar.close();
        }
    }

    private static JsonNode features(String tenant) throws IOException {
        Http.Response r = Http.get(api + tenant + "/features");
        assertEquals(200, r.status(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    @Order(1)
    void restApiRoundTripsFlags() throws Exception {
        JsonNode initial = features("public");
        for (String f : List.of("delay", "transaction", "retry", "deadLetter", "tagFilter")) {
            assertFalse(initial.get("features").get(f).asBoolean(), f + " off by default (magnetarDefaultFeatures=none)");
        }

        Http.Response put = Http.put(api + "public/features", "{\"delay\": true, \"tagFilter\": true}");
        assertEquals(200, put.status(), put.body());
        JsonNode after = features("public");
        assertTrue(after.get("features").get("delay").asBoolean());
        assertTrue(after.get("features").get("tagFilter").asBoolean());
        assertFalse(after.get("features").get("retry").asBoolean());
        assertEquals(2, after.get("overrides").size());

        assertEquals(200, Http.put(api + "public/features", "{\"delay\": null}").status());
        assertFalse(features("public").get("features").get("delay").asBoolean(), "null returns to the default");

        assertEquals(200, Http.delete(api + "public/features").status());
        assertEquals(0, features("public").get("overrides").size());
    }

    @Test
    @Order(2)
    void badRequestsAreRefusedAndChangeNothing() throws Exception {
        assertEquals(200, Http.put(api + "public/features", "{\"retry\": true}").status());
        assertRefused(Http.put(api + "public/features", "{\"retry\": false, \"teleport\": true}"), 400,
                "unknown feature 'teleport'");
        assertRefused(Http.put(api + "public/features", "{\"retry\": "), 400, "malformed JSON");
        assertRefused(Http.put(api + "public/features", "{\"retry\": \"off\"}"), 400, "must be true, false or null");
        assertRefused(Http.put(api + "public/features", "[]"), 400, "must be a JSON object");
        assertRefused(Http.put(api + "no-such-tenant/features", "{\"retry\": true}"), 404,
                "tenant 'no-such-tenant' does not exist");
        assertRefused(Http.get(api + "no-such-tenant/features"), 404, "does not exist");
        assertRefused(Http.get(pulsar.webUrl() + "/magnetar/v1/elsewhere"), 404, "no such resource");

        JsonNode state = features("public");
        assertTrue(state.get("features").get("retry").asBoolean(), "refused requests left retry on");
        assertEquals(1, state.get("overrides").size());
        assertEquals(200, Http.delete(api + "public/features").status());
    }

    private static void assertRefused(Http.Response r, int status, String reason) throws IOException {
        assertEquals(status, r.status(), r.body());
        String text = JSON.readTree(r.body()).get("reason").asText();
        assertTrue(text.contains(reason), "'" + text + "' should contain '" + reason + "'");
    }

    @Test
    @Order(3)
    void interceptorSeesChangesAndMetricsAppearOnBothEndpoints() {
        String metricsUrl = pulsar.webUrl() + "/metrics/";
        assertEquals(200, Http.put(api + "public/features", "{\"deadLetter\": true}").status());
        // The interceptor runs in its own class loader with its own flag service: it learns of the change
        // through the metadata store, like a broker elsewhere in the cluster would.
        Await.until("interceptor sees the override", Duration.ofSeconds(2),
                () -> Metrics.scrape(metricsUrl).lines().filter(l -> l.startsWith("magnetar_interceptor_")).toList()
                        .toString(),
                () -> Metrics.value(Metrics.scrape(metricsUrl), "magnetar_interceptor_flag_tenants_overridden")
                        .orElse(-1) == 1);

        String prometheus = Metrics.scrape(metricsUrl);
        assertTrue(Metrics.value(prometheus, "magnetar_admin_requests_total", "method=\"PUT\"", "outcome=\"ok\"")
                .orElse(0) >= 1, prometheus);
        assertTrue(Metrics.value(prometheus, "magnetar_admin_requests_total", "outcome=\"bad_request\"")
                .isPresent(), "bad requests are counted");
        assertTrue(Metrics.value(prometheus, "magnetar_interceptor_flag_lookups_total",
                "feature=\"delay\"", "enabled=\"false\"").isPresent());

        String otel = Metrics.scrape("http://127.0.0.1:" + OTEL_PORT + "/metrics");
        assertTrue(Metrics.value(otel, "magnetar_admin_requests_total", "method=\"PUT\"", "outcome=\"ok\"")
                .orElse(0) >= 1, "OpenTelemetry exporter shows Magnetar's counters:\n" + otel.lines()
                .filter(l -> l.contains("magnetar")).toList());
        assertEquals(1, Metrics.value(otel, "magnetar_interceptor_flag_tenants_overridden").orElse(-1));

        assertEquals(200, Http.delete(api + "public/features").status());
        Await.until("interceptor sees the reset", Duration.ofSeconds(2), () -> Metrics.value(
                Metrics.scrape(metricsUrl), "magnetar_interceptor_flag_tenants_overridden").orElse(-1) == 0);
    }

    @Test
    @Order(4)
    void cliSetsGetsAndResets() throws Exception {
        CliRun set = cli("features", "set", "public", "delay=on", "retry=off");
        assertEquals(0, set.exitCode, set.output);
        assertTrue(set.output.matches("(?s).*delay\\s+on\\s+tenant override.*"), set.output);
        assertTrue(features("public").get("features").get("delay").asBoolean());

        CliRun get = cli("features", "get", "public");
        assertEquals(0, get.exitCode, get.output);
        assertTrue(get.output.matches("(?s).*transaction\\s+off\\s+cluster default.*"), get.output);

        CliRun bad = cli("features", "set", "public", "warp=on");
        assertEquals(1, bad.exitCode, bad.output);
        assertTrue(bad.output.contains("HTTP 400: unknown feature 'warp'"), bad.output);

        CliRun reset = cli("features", "reset", "public");
        assertEquals(0, reset.exitCode, reset.output);
        assertEquals(0, features("public").get("overrides").size());
    }

    private record CliRun(int exitCode, String output) { }

    /** Runs the repository's bin/magnetar, exactly as an operator types it. */
    private static CliRun cli(String... args) throws Exception {
        Path script = PulsarRuntime.magnetarScript();
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MAGNETAR_WEB_URL", pulsar.webUrl());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/magnetar finished");
        return new CliRun(p.exitValue(), out);
    }

    @Test
    @Order(5)
    void pluginsLeaveOrdinaryMessagingAlone() throws Exception {
        try (PulsarClient client = pulsar.newClient();
             Consumer<String> consumer = client.newConsumer(Schema.STRING).topic("persistent://public/default/plain")
                     .subscriptionName("s").subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                     .subscribe();
             Producer<String> producer = client.newProducer(Schema.STRING).topic("persistent://public/default/plain")
                     .create()) {
            for (int i = 0; i < 100; i++) {
                producer.newMessage().key("k" + i).property("TAGS", "A").value("m" + i).sendAsync();
            }
            producer.flush();
            for (int i = 0; i < 100; i++) {
                Message<String> m = consumer.receive(30, TimeUnit.SECONDS);
                assertEquals("m" + i, m == null ? null : m.getValue());
                consumer.acknowledge(m);
            }
        }
    }

    @Test
    @Order(6)
    void overridesSurviveKillMinus9() throws Exception {
        assertEquals(200, Http.put(api + "public/features", "{\"transaction\": true}").status());
        pulsar.broker(0).killAndRestart(StandaloneCluster.START_TIMEOUT);
        Await.until("public/default back after restart", StandaloneCluster.START_TIMEOUT,
                () -> pulsar.broker(0).hasPublicDefault());
        JsonNode state = features("public");
        assertTrue(state.get("features").get("transaction").asBoolean(), state.toString());
        assertEquals(1, state.get("overrides").size());
        assertEquals(1, Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                "magnetar_interceptor_flag_tenants_overridden").orElse(-1), "the interceptor loaded it at start");
    }
}
