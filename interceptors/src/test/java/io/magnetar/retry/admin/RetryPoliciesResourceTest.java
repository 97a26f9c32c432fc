package io.magnetar.retry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magnetar.admin.FeaturesResource;
import io.magnetar.admin.TestAuthorizers;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.junit.jupiter.api.Test;

class RetryPoliciesResourceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOPIC = "persistent://acme/orders/payments";

    private final Map<String, String> namespace = new HashMap<>(Map.of("owner", "team-a"));
    private final Map<String, String> subscription = new HashMap<>(Map.of("TAGS", "TagA || TagB"));
    private int writes;
    private boolean authorization;

    private final RetryPoliciesResource.PolicyStore store = new RetryPoliciesResource.PolicyStore() {
        @Override
        public CompletableFuture<Map<String, String>> namespace(String name) {
            return name.equals("acme/orders") ? CompletableFuture.completedFuture(Map.copyOf(namespace))
                    : CompletableFuture.failedFuture(new NoSuchElementException("namespace '" + name
                            + "' does not exist"));
        }

        @Override
        public CompletableFuture<Void> updateNamespace(String name, UnaryOperator<Map<String, String>> change) {
            return namespace(name).thenAccept(current -> {
                Map<String, String> next = change.apply(current);
                writes++;
                namespace.clear();
                namespace.putAll(next);
            });
        }

        @Override
        public CompletableFuture<Map<String, String>> subscription(String topic, String name) {
            return topic.equals(TOPIC) && name.equals("billing")
                    ? CompletableFuture.completedFuture(Map.copyOf(subscription))
                    : CompletableFuture.failedFuture(new NoSuchElementException("subscription '" + name + "' of "
                            + topic + " does not exist"));
        }

        @Override
        public CompletableFuture<Void> setSubscription(String topic, String name, Map<String, String> properties) {
            writes++;
            subscription.clear();
            subscription.putAll(properties);
            return CompletableFuture.completedFuture(null);
        }
    };

    private final RetryPoliciesResource resource = new RetryPoliciesResource(
            name -> CompletableFuture.completedFuture(name.equals("acme")
                    ? Optional.of(TenantInfo.builder().build()) : Optional.empty()),
            TestAuthorizers.adminRole(() -> authorization), store, new MagnetarMetrics("admin", "test"));

    private FeaturesResource.Response call(String method, String path, String body, String role) throws Exception {
        return resource.handle(method, path, body, new FeaturesResource.Caller(role, null)).get();
    }

    private static JsonNode json(FeaturesResource.Response response) throws Exception {
        return MAPPER.readTree(response.body());
    }

    @Test
    void namespacePolicyIsMergedIntoTheOtherPropertiesAndShownInEffect() throws Exception {
        FeaturesResource.Response r = call("PUT", "/v1/retry/acme/orders",
                "{\"maxReconsumeTimes\": 3, \"backoff\": \"exponential:1s:2:1m\"}", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("owner", "team-a", "magnetar.retry.maxReconsumeTimes", "3",
                "magnetar.retry.backoff", "exponential:1s:2:1m"), namespace);
        JsonNode view = json(r);
        assertEquals(3, view.path("effective").path("maxReconsumeTimes").asInt());
        assertEquals("[1000,2000,4000]", view.path("effective").path("backoffMillis").toString());
        assertEquals("<topic>-<subscription>-DLQ", view.path("effective").path("deadLetterTopic").asText());
        assertEquals("3", view.path("set").path("maxReconsumeTimes").asText());

        r = call("PUT", "/v1/retry/acme/orders", "{\"backoff\": null}", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("owner", "team-a", "magnetar.retry.maxReconsumeTimes", "3"), namespace);

        r = call("DELETE", "/v1/retry/acme/orders", "", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("owner", "team-a"), namespace);
        assertEquals(16, json(r).path("effective").path("maxReconsumeTimes").asInt());
    }

    @Test
    void subscriptionPolicyKeepsTheFilterAndWinsOverTheNamespace() throws Exception {
        namespace.put("magnetar.retry.maxReconsumeTimes", "7");
        namespace.put("magnetar.retry.backoff", "5s");
        FeaturesResource.Response r = call("PUT", "/v1/retry/acme/orders/payments/billing",
                "{\"maxReconsumeTimes\": \"2\", \"deadLetterTopic\": \"persistent://acme/orders/dead\"}", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("TAGS", "TagA || TagB", "magnetar.retry.maxReconsumeTimes", "2",
                "magnetar.retry.deadLetterTopic", "persistent://acme/orders/dead"), subscription);
        JsonNode view = json(r);
        assertEquals(2, view.path("effective").path("maxReconsumeTimes").asInt());
        assertEquals("[5000]", view.path("effective").path("backoffMillis").toString());
        assertEquals("persistent://acme/orders/dead", view.path("effective").path("deadLetterTopic").asText());
        assertEquals("7", view.path("namespaceSet").path("maxReconsumeTimes").asText());

        r = call("DELETE", "/v1/retry/acme/orders/payments/billing", "", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("TAGS", "TagA || TagB"), subscription);
        view = json(r);
        assertEquals(7, view.path("effective").path("maxReconsumeTimes").asInt());
        assertEquals(TOPIC + "-billing-DLQ", view.path("effective").path("deadLetterTopic").asText());
    }

    @Test
    void badRequestsNameTheProblemAndWriteNothing() throws Exception {
        FeaturesResource.Response r = call("PUT", "/v1/retry/acme/orders", "{\"maxReconsumeTimes\": -1}", null);
        assertEquals(400, r.status());
        assertTrue(r.body().contains("magnetar.retry.maxReconsumeTimes: '-1'"), r.body());
        r = call("PUT", "/v1/retry/acme/orders/payments/billing", "{\"backoff\": \"10 parsecs\"}", null);
        assertEquals(400, r.status());
        assertTrue(r.body().contains("magnetar.retry.backoff"), r.body());
        r = call("PUT", "/v1/retry/acme/orders", "{\"deadLetterTopic\": \"persistent://other/ns/dlq\"}", null);
        assertEquals(400, r.status());
        assertTrue(r.body().contains("outside the namespace"), r.body());
        r = call("PUT", "/v1/retry/acme/orders", "{\"maxRetries\": 3}", null);
        assertEquals(400, r.status());
        assertTrue(r.body().contains("unknown field 'maxRetries'"), r.body());
        assertEquals(400, call("PUT", "/v1/retry/acme/orders", "{}", null).status());
        assertEquals(400, call("PUT", "/v1/retry/acme/orders", "not json", null).status());
        assertEquals(400, call("PUT", "/v1/retry/acme/orders", "{\"backoff\": [1, 2]}", null).status());
        assertEquals(0, writes);

        assertEquals(404, call("GET", "/v1/retry/acme", "", null).status());
        assertEquals(405, call("POST", "/v1/retry/acme/orders", "", null).status());
        assertEquals(404, call("GET", "/v1/retry/nobody/orders", "", null).status());
        r = call("GET", "/v1/retry/acme/other", "", null);
        assertEquals(404, r.status());
        assertTrue(r.body().contains("namespace 'acme/other' does not exist"), r.body());
        r = call("PUT", "/v1/retry/acme/orders/payments/nobody", "{\"maxReconsumeTimes\": 1}", null);
        assertEquals(404, r.status());
        assertTrue(r.body().contains("subscription 'nobody'"), r.body());
        assertEquals(0, writes);
    }

    @Test
    void onlyTenantAdminsMayChangeAPolicyWhenAuthorizationIsOn() throws Exception {
        authorization = true;
        assertEquals(401, call("PUT", "/v1/retry/acme/orders", "{\"maxReconsumeTimes\": 1}", null).status());
        assertEquals(403, call("PUT", "/v1/retry/acme/orders", "{\"maxReconsumeTimes\": 1}", "guest").status());
        assertEquals(0, writes);
        assertEquals(200, call("PUT", "/v1/retry/acme/orders", "{\"maxReconsumeTimes\": 1}", "admin").status());
        assertEquals("1", namespace.get("magnetar.retry.maxReconsumeTimes"));
    }

    @Test
    void aStoredPolicyThatIsInvalidIsShownAsSuch() throws Exception {
        namespace.put("magnetar.retry.maxReconsumeTimes", "many");
        FeaturesResource.Response r = call("GET", "/v1/retry/acme/orders", "", null);
        assertEquals(200, r.status(), r.body());
        assertTrue(json(r).path("effective").path("invalid").asText().contains("'many'"), r.body());
    }

    @Test
    void twoUpdatesOfOneSubscriptionAtOnceBothLand() throws Exception {
        // A read answers, when released, with the properties as they were when it was made; so both PUTs are in
        // flight together. Pulsar replaces the whole property map: had both read before either wrote, the second
        // write would drop the first one's key.
        Map<String, String> stored = new HashMap<>(Map.of("TAGS", "TagA"));
        java.util.Deque<Runnable> reads = new java.util.ArrayDeque<>();
        RetryPoliciesResource.PolicyStore slow = new RetryPoliciesResource.PolicyStore() {
            @Override
            public CompletableFuture<Map<String, String>> namespace(String name) {
                return CompletableFuture.completedFuture(Map.of());
            }

            @Override
            public CompletableFuture<Void> updateNamespace(String name, UnaryOperator<Map<String, String>> change) {
                throw new AssertionError("not a namespace update");
            }

            @Override
            public synchronized CompletableFuture<Map<String, String>> subscription(String topic, String name) {
                CompletableFuture<Map<String, String>> read = new CompletableFuture<>();
                Map<String, String> asOfNow = Map.copyOf(stored);
                reads.add(() -> read.complete(asOfNow));
                return read;
            }

            @Override
            public synchronized CompletableFuture<Void> setSubscription(String topic, String name,
                                                                        Map<String, String> properties) {
                stored.clear();
                stored.putAll(properties);
                return CompletableFuture.completedFuture(null);
            }
        };
        RetryPoliciesResource serial = new RetryPoliciesResource(
                name -> CompletableFuture.completedFuture(Optional.of(TenantInfo.builder().build())),
                TestAuthorizers.adminRole(() -> false), slow, new MagnetarMetrics("admin", "test"));
        FeaturesResource.Caller caller = new FeaturesResource.Caller(null, null);
        CompletableFuture<FeaturesResource.Response> first = serial.handle("PUT",
                "/v1/retry/acme/orders/payments/billing", "{\"maxReconsumeTimes\": 2}", caller);
        CompletableFuture<FeaturesResource.Response> second = serial.handle("PUT",
                "/v1/retry/acme/orders/payments/billing", "{\"backoff\": \"5s\"}", caller);
        while (!(first.isDone() && second.isDone())) {
            Runnable read;
            synchronized (slow) {
                read = reads.poll();
            }
            assertTrue(read != null, "a PUT waits for a read that was never made");
            read.run();
        }

        assertEquals(200, first.get().status(), first.get().body());
        assertEquals(200, second.get().status(), second.get().body());
        assertEquals(Map.of("TAGS", "TagA", "magnetar.retry.maxReconsumeTimes", "2", "magnetar.retry.backoff", "5s"),
                stored);
    }
}
