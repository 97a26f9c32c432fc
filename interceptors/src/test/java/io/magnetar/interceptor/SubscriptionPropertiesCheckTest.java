package io.magnetar.interceptor;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.api.proto.BaseCommand;
import org.apache.pulsar.common.api.proto.CommandSubscribe;
import org.apache.pulsar.common.api.proto.ServerError;
import org.apache.pulsar.common.intercept.InterceptException;
import org.junit.jupiter.api.Test;

class SubscriptionPropertiesCheckTest {
    private final List<String> asked = new ArrayList<>();
    private final LongAdder refused = new LongAdder();
    private boolean featureOn = true;
    private final LongAdder refusedRetry = new LongAdder();
    private boolean retryOn = true;
    private final SubscriptionPropertiesCheck check = new SubscriptionPropertiesCheck(tenant -> {
        asked.add(tenant);
        return featureOn;
    }, tenant -> retryOn, refused, refusedRetry);

    private static CommandSubscribe subscribe(String topic, String... keyValues) {
        BaseCommand command = new BaseCommand().setType(BaseCommand.Type.SUBSCRIBE);
        CommandSubscribe s = command.setSubscribe().setTopic(topic).setSubscription("orders-sub")
                .setConsumerId(1).setRequestId(2).setSubType(CommandSubscribe.SubType.Shared);
        for (int i = 0; i < keyValues.length; i += 2) {
            s.addSubscriptionProperty().setKey(keyValues[i]).setValue(keyValues[i + 1]);
        }
        return s;
    }

    @Test
    void invalidSql92IsRefusedWithNotAllowedNamingTheProblem() {
        InterceptException e = assertThrows(InterceptException.class,
                () -> check.check(subscribe("persistent://acme/ns/t", "owner", "me", "SQL92", "a > AND b = 1")));
        assertEquals(ServerError.NotAllowedError.getValue(), e.getErrorCode());
        assertTrue(e.getMessage().startsWith("Magnetar refused subscription 'orders-sub' on persistent://acme/ns/t: "
                + "SQL92 expression: "), e.getMessage());
        assertEquals(List.of("acme"), asked);
        assertEquals(1, refused.sum());
    }

    @Test
    void invalidTagsAndBothKeysAreRefused() {
        assertThrows(InterceptException.class, () -> check.check(subscribe("acme/ns/t", "TAGS", "TagA ||")));
        InterceptException both = assertThrows(InterceptException.class,
                () -> check.check(subscribe("acme/ns/t", "TAGS", "TagA", "SQL92", "a = 1")));
        assertTrue(both.getMessage().contains("both TAGS and SQL92 are set"), both.getMessage());
        assertEquals(2, refused.sum());
    }

    @Test
    void invalidRetryKeysAreRefusedNamingTheKeyOnlyWithRetryOn() {
        InterceptException e = assertThrows(InterceptException.class, () -> check.check(subscribe(
                "persistent://acme/ns/t", "magnetar.retry.backoff", "10s later")));
        assertEquals(ServerError.NotAllowedError.getValue(), e.getErrorCode());
        assertTrue(e.getMessage().startsWith("Magnetar refused subscription 'orders-sub' on persistent://acme/ns/t: "
                + "magnetar.retry.backoff: "), e.getMessage());
        InterceptException outside = assertThrows(InterceptException.class, () -> check.check(subscribe(
                "persistent://acme/ns/t", "magnetar.retry.deadLetterTopic", "persistent://other/ns/dlq")));
        assertTrue(outside.getMessage().contains("outside the namespace"), outside.getMessage());
        assertEquals(2, refusedRetry.sum());
        assertEquals(0, refused.sum());
        assertDoesNotThrow(() -> check.check(subscribe("persistent://acme/ns/t", "magnetar.retry.backoff",
                "1s 5s", "magnetar.retry.maxReconsumeTimes", "3")));
        retryOn = false;
        assertDoesNotThrow(() -> check.check(subscribe("persistent://acme/ns/t", "magnetar.retry.backoff",
                "10s later")), "a tenant with retry off keeps vanilla Pulsar's behaviour");
        assertEquals(2, refusedRetry.sum());
    }

    @Test
    void validExpressionsPass() {
        assertDoesNotThrow(() -> check.check(subscribe("acme/ns/t", "TAGS", "TagA || TagB")));
        assertDoesNotThrow(() -> check.check(subscribe("acme/ns/t", "SQL92", "a > 5 AND b IN ('x','y')")));
        assertEquals(0, refused.sum());
    }

    @Test
    void tenantWithTheFeatureOffIsNotChecked() {
        featureOn = false;
        assertDoesNotThrow(() -> check.check(subscribe("persistent://acme/ns/t", "SQL92", "a >")));
        assertEquals(List.of("acme"), asked);
        assertEquals(0, refused.sum());
    }

    @Test
    void subscriptionsWithoutFilterKeysNeverReachTheFlagCheck() {
        assertDoesNotThrow(() -> check.check(subscribe("persistent://acme/ns/t", "owner", "me")));
        assertDoesNotThrow(() -> check.check(subscribe("persistent://only-a-tenant", "SQL92", "a >")));
        assertEquals(List.of(), asked, "the malformed topic is left for the broker to refuse");
    }
}
