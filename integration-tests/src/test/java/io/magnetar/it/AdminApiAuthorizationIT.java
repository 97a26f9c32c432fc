package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.Jwt;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 * test. The same through {@code bin/pulsar-admin magnetar ...} as an operator types it: the distribution's own
 * pulsar-admin, the extension installed by install.sh, connection and token given the way pulsar-admin takes them
 * (on tenant globex, so that the two stories never see each other's flags).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiAuthorizationIT {
    private final Jwt jwt = new Jwt();

    private String token(String subject) {
        return jwt.token(subject);
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
                .conf("tokenSecretKey", jwt.secretKeyConf())
                .conf("superUserRoles", "superuser")
                .conf("brokerClientAuthenticationPlugin", AuthenticationToken.class.getName())
                .conf("brokerClientAuthenticationParameters", "token:" + superToken)
                .adminToken(superToken)
                .start();
        admin = PulsarAdmin.builder().serviceHttpUrl(pulsar.webUrl())
                .authentication(AuthenticationToken.class.getName(), "token:" + superToken).build();
        admin.tenants().createTenant("acme", TenantInfo.builder().adminRoles(Set.of("acme-admin"))
                .allowedClusters(Set.of("standalone")).build());
        admin.tenants().createTenant("globex", TenantInfo.builder().adminRoles(Set.of("globex-admin"))
                .allowedClusters(Set.of("standalone")).build());
        admin.namespaces().createNamespace("globex/orders");
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

    record Run(int exitCode, String stdout, String stderr) { }

    @Test
    @Order(10)
    void installShRegistersThePulsarAdminExtensionInClientConf() throws IOException {
        String clientConf = Files.readString(pulsar.home().resolve("conf/client.conf"));
        assertTrue(clientConf.contains("\ncustomCommandFactories=magnetar\n"), clientConf);
        assertTrue(clientConf.contains("\ncliExtensionsDirectory=cliextensions\n"), clientConf);
        try (var nars = Files.list(pulsar.home().resolve("cliextensions"))) {
            assertEquals(List.of("magnetar-pulsar-admin-extension"), nars.map(p -> p.getFileName().toString())
                    .map(n -> n.replaceAll("-\\d.*", "")).toList());
        }
    }

    @Test
    @Order(11)
    void pulsarAdminSetsAndReadsFeaturesWithItsOwnToken() throws Exception {
        Run set = pulsarAdmin(superToken, "magnetar", "features", "set", "globex", "delay=on", "retry=off");
        assertEquals(0, set.exitCode(), set.toString());
        assertTrue(set.stdout().contains("delay        on   tenant override"), set.stdout());

        Http.Response view = Http.get(pulsar.webUrl() + "/magnetar/v1/tenants/globex/features", superToken);
        assertTrue(view.body().contains("\"overrides\":{\"delay\":true,\"retry\":false}"), view.body());

        Run get = pulsarAdmin(token("globex-admin"), "magnetar", "features", "get", "globex");
        assertEquals(0, get.exitCode(), get.toString());
        assertTrue(get.stdout().contains("retry        off  tenant override"), get.stdout());
    }

    @Test
    @Order(12)
    void pulsarAdminExitsNonZeroWithTheApisReasonAndNothingChanges() throws Exception {
        Run bogus = pulsarAdmin(superToken, "magnetar", "features", "set", "globex", "bogus=on");
        assertEquals(1, bogus.exitCode(), bogus.toString());
        assertTrue(bogus.stderr().contains("HTTP 400: unknown feature 'bogus'"), bogus.stderr());

        Run badBackoff = pulsarAdmin(superToken, "magnetar", "retry", "set", "globex/orders", "backoff=sometimes");
        assertEquals(1, badBackoff.exitCode(), badBackoff.toString());
        assertTrue(badBackoff.stderr().contains("HTTP 400"), badBackoff.stderr());
        Http.Response policy = Http.get(pulsar.webUrl() + "/magnetar/v1/retry/globex/orders", superToken);
        assertEquals(200, policy.status(), policy.body());
        assertTrue(policy.body().contains("\"set\":{}"), "nothing half-applied: " + policy.body());
    }

    @Test
    @Order(13)
    void pulsarAdminWithARoleWithoutRightsOrWithoutATokenIsRefused() throws Exception {
        Run intruder = pulsarAdmin(token("intruder"), "magnetar", "features", "set", "globex", "delay=off");
        assertEquals(1, intruder.exitCode(), intruder.toString());
        assertTrue(intruder.stderr().contains("HTTP 403: role 'intruder' may not administer tenant 'globex'"),
                intruder.stderr());
        Run anonymous = pulsarAdmin(null, "magnetar", "features", "get", "globex");
        assertEquals(1, anonymous.exitCode(), anonymous.toString());
        assertTrue(anonymous.stderr().contains("HTTP 401"), anonymous.stderr());
    }

    /** The installation's bin/pulsar-admin with --admin-url and, when given, token authentication. */
    private Run pulsarAdmin(String token, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(pulsar.home().resolve("bin/pulsar-admin").toString(),
                "--admin-url", pulsar.webUrl()));
        if (token != null) {
            command.addAll(List.of("--auth-plugin", AuthenticationToken.class.getName(),
                    "--auth-params", "token:" + token));
        }
        command.addAll(List.of(args));
        Path out = Files.createTempFile(pulsar.dir(), "pulsar-admin", ".out");
        Path err = Files.createTempFile(pulsar.dir(), "pulsar-admin", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "pulsar-admin did not exit: " + command);
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
