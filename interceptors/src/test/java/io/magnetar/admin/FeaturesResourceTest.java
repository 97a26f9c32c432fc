package io.magnetar.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magnetar.flags.Feature;
import io.magnetar.flags.FeatureSet;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.apache.pulsar.metadata.api.MetadataStore;
import org.apache.pulsar.metadata.api.MetadataStoreConfig;
import org.apache.pulsar.metadata.api.MetadataStoreFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeaturesResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FeaturesResource.Caller ANONYMOUS = new FeaturesResource.Caller(null, null);

    private MetadataStore store;
    private TenantFeatureFlags flags;
    private MagnetarMetrics metrics;
    private boolean authorizationOn;
    private FeaturesResource resource;

    @BeforeEach
    void open() throws Exception {
        store = MetadataStoreFactory.create("memory:" + UUID.randomUUID(), MetadataStoreConfig.builder().build());
        metrics = new MagnetarMetrics("admin", "c");
        flags = new TenantFeatureFlags(store, FeatureSet.of(Feature.RETRY), metrics);
        flags.start(null, 0).get();
        TenantInfo acme = TenantInfo.builder().adminRoles(Set.of("acme-admin")).allowedClusters(Set.of("c")).build();
        resource = new FeaturesResource(flags,
                name -> CompletableFuture.completedFuture(name.equals("acme") ? Optional.of(acme) : Optional.empty()),
                TestAuthorizers.of(() -> authorizationOn, (info, caller) -> "superuser".equals(caller.role())
                        || info.getAdminRoles().contains(caller.role())), metrics);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private FeaturesResource.Response call(String method, String path, String body, FeaturesResource.Caller caller)
            throws Exception {
        return resource.handle(method, path, body, caller).get(10, TimeUnit.SECONDS);
    }

    @Test
    void getShowsEffectiveOverridesAndDefaults() throws Exception {
        FeaturesResource.Response r = call("GET", "/v1/tenants/acme/features", "", ANONYMOUS);
        assertEquals(200, r.status());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("acme", body.get("tenant").asText());
        assertTrue(body.get("features").get("retry").asBoolean());
        assertFalse(body.get("features").get("delay").asBoolean());
        assertEquals(0, body.get("overrides").size());
        assertTrue(body.get("defaults").get("retry").asBoolean());
    }

    @Test
    void putMergesAndDeleteReturnsToDefaults() throws Exception {
        FeaturesResource.Response r = call("PUT", "/v1/tenants/acme/features",
                "{\"delay\":true,\"retry\":false}", ANONYMOUS);
        assertEquals(200, r.status(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.get("features").get("delay").asBoolean());
        assertFalse(body.get("features").get("retry").asBoolean());

        r = call("PUT", "/v1/tenants/acme/features", "{\"tagFilter\":true}", ANONYMOUS);
        body = JSON.readTree(r.body());
        assertTrue(body.get("features").get("delay").asBoolean(), "earlier keys are kept");
        assertTrue(body.get("features").get("tagFilter").asBoolean());
        assertEquals(3, body.get("overrides").size());

        r = call("DELETE", "/v1/tenants/acme/features", "", ANONYMOUS);
        assertEquals(200, r.status());
        body = JSON.readTree(r.body());
        assertEquals(0, body.get("overrides").size());
        assertTrue(body.get("features").get("retry").asBoolean());
        assertFalse(store.exists(TenantFeatureFlags.ROOT + "/acme").get());
    }

    @Test
    void badRequestsNameTheProblemAndChangeNothing() throws Exception {
        call("PUT", "/v1/tenants/acme/features", "{\"delay\":true}", ANONYMOUS);
        assertRefused(400, "unknown feature 'teleport'", "PUT", "/v1/tenants/acme/features",
                "{\"retry\":true,\"teleport\":true}");
        assertRefused(400, "malformed JSON", "PUT", "/v1/tenants/acme/features", "{\"retry\":");
        assertRefused(400, "must be true, false or null", "PUT", "/v1/tenants/acme/features", "{\"retry\":\"on\"}");
        assertRefused(404, "tenant 'nobody' does not exist", "PUT", "/v1/tenants/nobody/features",
                "{\"retry\":true}");
        assertRefused(404, "no such resource", "GET", "/v1/tenants/acme/flags", "");
        assertRefused(405, "method POST not allowed", "POST", "/v1/tenants/acme/features", "{}");
        assertFalse(store.exists(TenantFeatureFlags.ROOT + "/nobody").get());
        assertEquals(java.util.Map.of(Feature.DELAY, true), flags.overrides("acme").values(),
                "the refused requests left the tenant as it was");
        String text = metrics.toPrometheusText();
        assertTrue(text.contains("method=\"PUT\",outcome=\"bad_request\"} 3"), text);
        assertTrue(text.contains("method=\"PUT\",outcome=\"ok\"} 1"), text);
    }

    @Test
    void authorizationDecidesWhenOn() throws Exception {
        authorizationOn = true;
        assertRefused(401, "authentication required", "GET", "/v1/tenants/acme/features", "");
        FeaturesResource.Response r = call("PUT", "/v1/tenants/acme/features", "{\"delay\":true}",
                new FeaturesResource.Caller("intruder", null));
        assertEquals(403, r.status());
        assertTrue(r.body().contains("role 'intruder' may not administer tenant 'acme'"), r.body());
        assertTrue(flags.overrides("acme").isEmpty());
        assertEquals(200, call("PUT", "/v1/tenants/acme/features", "{\"delay\":true}",
                new FeaturesResource.Caller("acme-admin", null)).status());
        assertEquals(200, call("GET", "/v1/tenants/acme/features", "",
                new FeaturesResource.Caller("superuser", null)).status());
    }

    private void assertRefused(int status, String reason, String method, String path, String body) throws Exception {
        FeaturesResource.Response r = call(method, path, body, ANONYMOUS);
        assertEquals(status, r.status(), r.body());
        String text = JSON.readTree(r.body()).get("reason").asText();
        assertTrue(text.contains(reason), "'" + text + "' should contain '" + reason + "'");
    }
}
