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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code bin/pulsar-admin magnetar ...} as an operator types it: the distribution's own pulsar-admin, the extension
 * installed by install.sh, against a broker with token authentication and authorization on, connection and token
 * given the way pulsar-admin takes them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PulsarAdminExtensionIT {
    private final Jwt jwt = new Jwt();
    private StandaloneCluster pulsar;
    private String superToken;

    record Run(int exitCode, String stdout, String stderr) { }

    @BeforeAll
    void startBroker() throws Exception {
        superToken = jwt.token("superuser");
        pulsar = StandaloneCluster.builder("pulsar-admin")
                .conf("authenticationEnabled", "true")
                .conf("authorizationEnabled", "true")
                .conf("authenticationProviders", "org.apache.pulsar.broker.authentication.AuthenticationProviderToken")
                .conf("tokenSecretKey", jwt.secretKeyConf())
                .conf("superUserRoles", "superuser")
                .conf("brokerClientAuthenticationPlugin", AuthenticationToken.class.getName())
                .conf("brokerClientAuthenticationParameters", "token:" + superToken)
                .adminToken(superToken)
                .start();
        try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(pulsar.webUrl())
                .authentication(AuthenticationToken.class.getName(), "token:" + superToken).build()) {
            admin.tenants().createTenant("acme", TenantInfo.builder().adminRoles(Set.of("acme-admin"))
                    .allowedClusters(Set.of("standalone")).build());
            admin.namespaces().createNamespace("acme/orders");
        }
    }

    @AfterAll
    void stopBroker() {
        if (pulsar != null) {
            pulsar.close();
        }
    }

    @Test
    void installShRegistersTheExtensionInClientConf() throws IOException {
        String clientConf = Files.readString(pulsar.home().resolve("conf/client.conf"));
        assertTrue(clientConf.contains("\ncustomCommandFactories=magnetar\n"), clientConf);
        assertTrue(clientConf.contains("\ncliExtensionsDirectory=cliextensions\n"), clientConf);
        try (var nars = Files.list(pulsar.home().resolve("cliextensions"))) {
            assertEquals(List.of("magnetar-pulsar-admin-extension"), nars.map(p -> p.getFileName().toString())
                    .map(n -> n.replaceAll("-\\d.*", "")).toList());
        }
    }

    @Test
    void featuresAreSetAndReadWithPulsarAdminsOwnToken() throws Exception {
        Run set = pulsarAdmin(superToken, "magnetar", "features", "set", "acme", "delay=on", "retry=off");
        assertEquals(0, set.exitCode(), set.toString());
        assertTrue(set.stdout().contains("delay        on   tenant override"), set.stdout());

        Http.Response view = Http.get(pulsar.webUrl() + "/magnetar/v1/tenants/acme/features", superToken);
        assertTrue(view.body().contains("\"overrides\":{\"delay\":true,\"retry\":false}"), view.body());

        Run get = pulsarAdmin(jwt.token("acme-admin"), "magnetar", "features", "get", "acme");
        assertEquals(0, get.exitCode(), get.toString());
        assertTrue(get.stdout().contains("retry        off  tenant override"), get.stdout());
    }

    @Test
    void aRefusedValueExitsNonZeroWithTheApisReasonAndChangesNothing() throws Exception {
        Run bogus = pulsarAdmin(superToken, "magnetar", "features", "set", "acme", "bogus=on");
        assertEquals(1, bogus.exitCode(), bogus.toString());
        assertTrue(bogus.stderr().contains("HTTP 400: unknown feature 'bogus'"), bogus.stderr());

        Run badBackoff = pulsarAdmin(superToken, "magnetar", "retry", "set", "acme/orders", "backoff=sometimes");
        assertEquals(1, badBackoff.exitCode(), badBackoff.toString());
        assertTrue(badBackoff.stderr().contains("HTTP 400"), badBackoff.stderr());
        Http.Response policy = Http.get(pulsar.webUrl() + "/magnetar/v1/retry/acme/orders", superToken);
        assertEquals(200, policy.status(), policy.body());
        assertTrue(policy.body().contains("\"set\":{}"), "nothing half-applied: " + policy.body());
    }

    @Test
    void aRoleThatMayNotAdministerTheTenantIsRefused() throws Exception {
        Run intruder = pulsarAdmin(jwt.token("intruder"), "magnetar", "features", "set", "acme", "delay=off");
        assertEquals(1, intruder.exitCode(), intruder.toString());
        assertTrue(intruder.stderr().contains("HTTP 403: role 'intruder' may not administer tenant 'acme'"),
                intruder.stderr());
        Run anonymous = pulsarAdmin(null, "magnetar", "features", "get", "acme");
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
