package io.magnetar.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final String TOPIC = "persistent://acme/orders/payments";

    @Test
    void defaultsAreRocketMqs() {
        RetryPolicy policy = RetryPolicy.resolve(Map.of(), Map.of(), TOPIC);
        assertEquals(16, policy.maxReconsumeTimes());
        assertEquals(10_000, policy.backoffMillis(1), "first reconsume waits delay level 3");
        assertEquals(30_000, policy.backoffMillis(2));
        assertEquals(7_200_000, policy.backoffMillis(16), "the 16th waits level 18");
        long total = 0;
        for (int i = 1; i <= 16; i++) {
            total += policy.backoffMillis(i);
        }
        assertEquals(4 * 3_600_000 + 45 * 60_000 + 40_000, total, "4 h 45 m 40 s over 16 reconsumes, as RocketMQ");
        assertEquals("persistent://acme/orders/payments-billing-DLQ", policy.deadLetterTopicFor(TOPIC, "billing"));
        assertEquals("persistent://acme/orders/payments-billing-DLQ",
                policy.deadLetterTopicFor(TOPIC + "-partition-3", "billing"), "one DLQ for all partitions");
    }

    @Test
    void decisionsCountReconsumesThenDeadLetter() {
        RetryPolicy policy = RetryPolicy.resolve(Map.of(RetryPolicy.MAX_RECONSUME_TIMES, "2",
                RetryPolicy.BACKOFF, "1s 5s"), Map.of(), TOPIC);
        assertEquals(new RetryDecision.Redeliver(1, 1_000 + 100), policy.onFailure(0, true, true, 100));
        assertEquals(new RetryDecision.Redeliver(2, 5_000 + 100), policy.onFailure(1, true, true, 100));
        assertEquals(new RetryDecision.DeadLetter(2), policy.onFailure(2, true, true, 100));
        assertEquals(new RetryDecision.Redeliver(3, 5_100), policy.onFailure(2, true, false, 100),
                "without deadLetter the message keeps coming back at the last wait");
        assertEquals(new RetryDecision.Redeliver(1, 100), policy.onFailure(0, false, true, 100),
                "without retry no back-off, but still counted");
        assertEquals(new RetryDecision.DeadLetter(0), RetryPolicy.resolve(
                Map.of(RetryPolicy.MAX_RECONSUME_TIMES, "0"), Map.of(), TOPIC).onFailure(0, true, true, 1));
    }

    @Test
    void subscriptionWinsOverNamespaceKeyByKey() {
        RetryPolicy policy = RetryPolicy.resolve(Map.of(RetryPolicy.BACKOFF, "2s"),
                Map.of(RetryPolicy.BACKOFF, "1m", RetryPolicy.MAX_RECONSUME_TIMES, "3",
                        RetryPolicy.DEAD_LETTER_TOPIC, "acme/orders/dead"), TOPIC);
        assertEquals(2_000, policy.backoffMillis(1));
        assertEquals(2_000, policy.backoffMillis(3), "the last wait repeats");
        assertEquals(3, policy.maxReconsumeTimes());
        assertEquals("persistent://acme/orders/dead", policy.deadLetterTopicFor(TOPIC, "any"));
    }

    @Test
    void exponentialBackoffIsCapped() {
        RetryPolicy policy = RetryPolicy.resolve(Map.of(RetryPolicy.BACKOFF, "exponential:1s:2:5s",
                RetryPolicy.MAX_RECONSUME_TIMES, "5"), null, TOPIC);
        assertEquals(1_000, policy.backoffMillis(1));
        assertEquals(2_000, policy.backoffMillis(2));
        assertEquals(4_000, policy.backoffMillis(3));
        assertEquals(5_000, policy.backoffMillis(4));
        assertEquals(5_000, policy.backoffMillis(9));
        assertNull(policy.deadLetterTopic());
    }

    @Test
    void badValuesNameTheKey() {
        assertRefused(Map.of(RetryPolicy.MAX_RECONSUME_TIMES, "many"), RetryPolicy.MAX_RECONSUME_TIMES, "many");
        assertRefused(Map.of(RetryPolicy.MAX_RECONSUME_TIMES, "-1"), RetryPolicy.MAX_RECONSUME_TIMES, "-1");
        assertRefused(Map.of(RetryPolicy.BACKOFF, "10s soon"), RetryPolicy.BACKOFF, "soon");
        assertRefused(Map.of(RetryPolicy.BACKOFF, ""), RetryPolicy.BACKOFF, "no durations");
        assertRefused(Map.of(RetryPolicy.BACKOFF, "exponential:1s:0.5:1m"), RetryPolicy.BACKOFF, "factor");
        assertRefused(Map.of(RetryPolicy.BACKOFF, "exponential:1m:2:1s"), RetryPolicy.BACKOFF, "cap");
        assertRefused(Map.of(RetryPolicy.BACKOFF, "exponential:1s:2"), RetryPolicy.BACKOFF, "exponential:<first>");
        assertRefused(Map.of(RetryPolicy.DEAD_LETTER_TOPIC, "persistent://other/ns/dlq"),
                RetryPolicy.DEAD_LETTER_TOPIC, "outside the namespace");
        assertRefused(Map.of(RetryPolicy.DEAD_LETTER_TOPIC, "non-persistent://acme/orders/dlq"),
                RetryPolicy.DEAD_LETTER_TOPIC, "not a persistent topic");
        assertRefused(Map.of(RetryPolicy.DEAD_LETTER_TOPIC, "a/b/c/d/e"), RetryPolicy.DEAD_LETTER_TOPIC,
                "not a topic name");
    }

    private static void assertRefused(Map<String, String> properties, String key, String mentioned) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.validate(properties, TOPIC));
        assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(mentioned), e.getMessage());
    }
}
