package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.impl.auth.AuthenticationToken;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * With Pulsar's token authentication and authorization on, the admin API answers only super-users and the
 * tenant's admin roles, as Pulsar's own tenant admin endpoints do. One standalone for the class; each role its own
 * test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiAuthorizationIT {
    private static final byte[] KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(KEY);
    }

    /** An HS256 JWT with the given subject, as {@code bin/pulsar tokens create} makes. */
    private static String token(String subject) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"sub\":\"" + subject + "\"}").getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        String signature = b64.encodeToString(mac.doFinal((header + "." + payload).getBytes(StandardCharsets.UTF_8)));
        return header + "." + payload + "." + signature;
    }

    private String superToken;
    private StandaloneCluster pulsar;
    private PulsarAdmin admin;
    private String acme;
    private String publicTenant;

    @BeforeAll
    void startWithTokenAuthenticationAndTenantAcme() throws Exception {
        superToken = token("superuser");
        pulsar = StandaloneCluster.builder("authz")
                .conf("authenticationEnabled", "true")
                .conf("authorizationEnabled", "true")
                .conf("authenticationProviders", "org.apache.pulsar.broker.authentication.AuthenticationProviderToken")
                .conf("tokenSecretKey", "data:;base64," + Base64.getEncoder().encodeToString(KEY))
                .conf("superUserRoles", "superuser")
                .conf("brokerClientAuthenticationPlugin", AuthenticationToken.class.getName())
                .conf("brokerClientAuthenticationParameters", "token:" + superToken)
                .adminToken(superToken)
                .start();
        admin = PulsarAdmin.builder().serviceHttpUrl(pulsar.webUrl())
                .authentication(AuthenticationToken.class.getName(), "token:" + superToken).build();
        admin.tenants().createTenant("acme", TenantInfo.builder().adminRoles(Set.of("acme-admin"))
                .allowedClusters(Set.of("standalone")).build());
        acme = pulsar.webUrl() + "/magnetar/v1/tenants/acme/features";
        publicTenant = pulsar.webUrl() + "/magnetar/v1/tenants/public/features";
    }

    @AfterAll
    void stop() throws Exception {
        ClassResources.closeInOrder(admin, pulsar);
    }

    @Test
    @Order(1)
    void withoutATokenTheApiAnswers401() {
        assertEquals(401, Http.put(acme, "{\"delay\":true}", null).status(), "no token");
    }

    @Test
    @Order(2)
    void aRoleWithoutRightsMayNeitherChangeNorReadFlags() throws Exception {
        Http.Response intruder = Http.put(acme, "{\"delay\":true}", token("intruder"));
        assertEquals(403, intruder.status(), intruder.body());
        assertTrue(intruder.body().contains("role 'intruder' may not administer tenant 'acme'"), intruder.body());
        assertEquals(403, Http.get(acme, token("intruder")).status(), "reading needs the same rights");
    }

    @Test
    @Order(3)
    void aTenantsAdminChangesItsOwnTenantOnly() throws Exception {
        Http.Response tenantAdmin = Http.put(acme, "{\"delay\":true}", token("acme-admin"));
        assertEquals(200, tenantAdmin.status(), tenantAdmin.body());
        assertEquals(403, Http.put(publicTenant, "{\"delay\":true}", token("acme-admin")).status(),
                "a tenant's admin is not an admin of other tenants");

        Http.Response view = Http.get(acme, superToken);
        assertEquals(200, view.status());
        assertTrue(view.body().contains("\"overrides\":{\"delay\":true}"), view.body());
    }

    @Test
    @Order(4)
    void aSuperUserChangesAnyTenant() {
        assertEquals(200, Http.put(publicTenant, "{\"retry\":true}", superToken).status());
    }
}
