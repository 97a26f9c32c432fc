package io.magnetar.retry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.admin.FeaturesResource;
import io.magnetar.admin.TestAuthorizers;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.junit.jupiter.api.Test;

class DeadLettersResourceTest {
    private final List<String> calls = new ArrayList<>();
    private boolean busy;
    private boolean authorization;
    private final FeaturesResource.Authorizer authorizer = TestAuthorizers.adminRole(() -> authorization);
    private final DeadLettersResource resource = new DeadLettersResource(
            name -> CompletableFuture.completedFuture(name.equals("acme")
                    ? Optional.of(TenantInfo.builder().build()) : Optional.empty()),
            authorizer,
            (dlq, topic, subscription, max) -> {
                if (busy) {
                    return CompletableFuture.failedFuture(new IllegalStateException("another re-drive is running"));
                }
                calls.add(dlq + " -> " + topic + " / " + subscription + " max " + max);
                return CompletableFuture.completedFuture(7L);
            },
            new MagnetarMetrics("admin", "test"));

    private FeaturesResource.Response post(String path, String query, String role) throws Exception {
        return resource.handle("POST", path, query, new FeaturesResource.Caller(role, null)).get();
    }

    @Test
    void redrivesThePolicysDeadLetterTopicBackToTheSubscription() throws Exception {
        FeaturesResource.Response r = post("/v1/deadletters/acme/orders/pay%20ments/billing/redrive", null, null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("\"moved\":7"), r.body());
        assertEquals(List.of("persistent://acme/orders/pay ments-billing-DLQ -> persistent://acme/orders/pay ments"
                + " / billing max 10000"), calls);
        r = post("/v1/deadletters/acme/orders/payments/billing/redrive",
                "deadLetterTopic=persistent%3A%2F%2Facme%2Forders%2Fdead&max=5", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("persistent://acme/orders/dead -> persistent://acme/orders/payments / billing max 5",
                calls.get(1));
    }

    @Test
    void badRequestsNameTheProblemAndMoveNothing() throws Exception {
        assertEquals(404, post("/v1/deadletters/acme/orders/payments/redrive", null, null).status());
        assertEquals(405, resource.handle("GET", "/v1/deadletters/acme/orders/payments/billing/redrive", null,
                new FeaturesResource.Caller(null, null)).get().status());
        FeaturesResource.Response max = post("/v1/deadletters/acme/orders/payments/billing/redrive", "max=0", null);
        assertEquals(400, max.status());
        assertTrue(max.body().contains("max: '0'"), max.body());
        FeaturesResource.Response outside = post("/v1/deadletters/acme/orders/payments/billing/redrive",
                "deadLetterTopic=persistent://other/ns/dlq", null);
        assertEquals(400, outside.status());
        assertTrue(outside.body().contains("outside the namespace"), outside.body());
        assertEquals(400, post("/v1/deadletters/acme/orders/payments/billing/redrive", "all=1", null).status());
        assertEquals(404, post("/v1/deadletters/nobody/orders/payments/billing/redrive", null, null).status());
        busy = true;
        assertEquals(409, post("/v1/deadletters/acme/orders/payments/billing/redrive", null, null).status());
        assertEquals(List.of(), calls);
    }

    @Test
    void withAuthorizationOnlyTheTenantsAdminsMayRedrive() throws Exception {
        authorization = true;
        assertEquals(401, post("/v1/deadletters/acme/orders/payments/billing/redrive", null, null).status());
        assertEquals(403, post("/v1/deadletters/acme/orders/payments/billing/redrive", null, "reader").status());
        assertEquals(List.of(), calls);
        assertEquals(200, post("/v1/deadletters/acme/orders/payments/billing/redrive", null, "admin").status());
        assertEquals(1, calls.size());
    }

    @Test
    void aDeadLetterGoesBackToThePartitionItFailedOn() {
        assertEquals("persistent://acme/orders/payments-partition-2", ClientRedriver.target(
                "persistent://acme/orders/payments-partition-2", "persistent://acme/orders/payments"));
        assertEquals("persistent://acme/orders/payments", ClientRedriver.target(
                "persistent://acme/orders/elsewhere", "persistent://acme/orders/payments"));
        assertEquals("persistent://acme/orders/payments", ClientRedriver.target(null,
                "persistent://acme/orders/payments"));
    }
}
