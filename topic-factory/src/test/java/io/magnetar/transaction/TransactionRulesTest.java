package io.magnetar.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.config.TransactionConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TransactionRulesTest {
    private static final long NOW = 1_700_000_000_000L;
    private final TransactionRules rules = new TransactionRules(TransactionConfig.from(new Properties()));

    private TransactionDecision decide(Map<String, String> properties) {
        return rules.decide(properties::get, 2, false, NOW);
    }

    private String refusal(Map<String, String> properties) {
        return assertInstanceOf(TransactionDecision.Refuse.class, decide(properties)).reason();
    }

    @Test
    void rocketMqDefaults() {
        TransactionConfig config = rules.config();
        assertEquals(6_000, config.timeoutMillis());
        assertEquals(30_000, config.checkIntervalMillis());
        assertEquals(15, config.checkMax());
    }

    @Test
    void halfMessagesNeedTheirGroupAndAreFirstCheckedAfterTheTimeout() {
        assertEquals(new TransactionDecision.Half("orders", NOW + 6_000),
                decide(Map.of("TRAN_MSG", "true", "PGROUP", "orders")));
        assertEquals(new TransactionDecision.Half("orders", NOW + 60_000),
                decide(Map.of("TRAN_MSG", "TRUE", "PGROUP", " orders ", "CHECK_IMMUNITY_TIME_IN_SECONDS", "60")));
        assertEquals(TransactionDecision.NONE, decide(Map.of("TRAN_MSG", "false", "PGROUP", "orders")));
        assertEquals(TransactionDecision.NONE, decide(Map.of("TAGS", "a")));
        assertTrue(refusal(Map.of("TRAN_MSG", "true")).contains("PGROUP"));
        assertTrue(refusal(Map.of("TRAN_MSG", "true", "PGROUP", "a/b")).contains("PGROUP='a/b'"));
        assertTrue(refusal(Map.of("TRAN_MSG", "true", "PGROUP", "g", "CHECK_IMMUNITY_TIME_IN_SECONDS", "soon"))
                .contains("CHECK_IMMUNITY_TIME_IN_SECONDS='soon'"));
        assertTrue(refusal(Map.of("TRAN_MSG", "true", "PGROUP", "g", "CHECK_IMMUNITY_TIME_IN_SECONDS", "0"))
                .contains("outside"));
        assertTrue(assertInstanceOf(TransactionDecision.Refuse.class, rules.decide(
                Map.of("TRAN_MSG", "true", "PGROUP", "g")::get, 2, true, NOW)).reason().contains("scheduled"));
    }

    @Test
    void resolutionsNameATransactionOfThisPartition() {
        assertEquals(new TransactionDecision.Resolve(12, 34, Resolution.COMMIT, "orders"),
                decide(Map.of("MAGNETAR_TXN_ID", "12:34:2", "MAGNETAR_TXN_RESOLUTION", "COMMIT", "PGROUP", "orders")));
        assertEquals(new TransactionDecision.Resolve(12, 34, Resolution.ROLLBACK, "orders"),
                decide(Map.of("MAGNETAR_TXN_ID", "12:34:2", "MAGNETAR_TXN_RESOLUTION", "ROLLBACK_MESSAGE",
                        "PGROUP", "orders")));
        assertEquals(Resolution.UNKNOWN, Resolution.parse("UNKNOW"));
        assertEquals("12:34:2", new TransactionDecision.Resolve(12, 34, Resolution.COMMIT, "g").transactionId(2));
        assertTrue(refusal(Map.of("MAGNETAR_TXN_ID", "12:34:-1", "MAGNETAR_TXN_RESOLUTION", "COMMIT",
                "PGROUP", "g")).contains("not a transaction of this topic"));
        assertTrue(refusal(Map.of("MAGNETAR_TXN_ID", "x", "MAGNETAR_TXN_RESOLUTION", "COMMIT", "PGROUP", "g"))
                .contains("MAGNETAR_TXN_ID='x'"));
        assertTrue(refusal(Map.of("MAGNETAR_TXN_ID", "1:2:2", "MAGNETAR_TXN_RESOLUTION", "MAYBE", "PGROUP", "g"))
                .contains("use COMMIT, ROLLBACK or UNKNOWN"));
        assertTrue(refusal(Map.of("MAGNETAR_TXN_ID", "1:2:2", "MAGNETAR_TXN_RESOLUTION", "COMMIT"))
                .contains("PGROUP"));
        assertTrue(refusal(Map.of("MAGNETAR_TXN_ID", "1:2:2", "TRAN_MSG", "true")).contains("not both"));
    }

    @Test
    void checksUntilTheMaximumThenTheCheckMaxTopic() {
        assertEquals(new TransactionRules.CheckDecision.Check(1, NOW + 30_000), rules.onCheckDue(0, NOW));
        assertEquals(new TransactionRules.CheckDecision.Check(15, NOW + 30_000), rules.onCheckDue(14, NOW));
        assertEquals(new TransactionRules.CheckDecision.CheckMaxReached(15), rules.onCheckDue(15, NOW));
    }

    @Test
    void badKeysNameThemselves() {
        Properties bad = new Properties();
        bad.setProperty(TransactionConfig.CHECK_MAX, "-1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransactionConfig.from(bad));
        assertTrue(e.getMessage().startsWith("magnetarTransactionCheckMax"), e.getMessage());
        assertEquals("persistent://acme/ns/magnetar-txn-check-orders", TransactionProperties.checkTopic(
                org.apache.pulsar.common.naming.NamespaceName.get("acme/ns"), "orders"));
    }

    @Test
    void aResolutionOfAResolvedTransactionIsIgnoredTheSameWayAndRefusedTheOther() {
        assertEquals(new TransactionRules.ResolutionStep.Apply(TransactionRules.Outcome.COMMITTING),
                TransactionRules.onResolution(null, Resolution.COMMIT, false));
        assertEquals(new TransactionRules.ResolutionStep.Apply(TransactionRules.Outcome.ROLLED_BACK),
                TransactionRules.onResolution(null, Resolution.ROLLBACK, false));
        for (TransactionRules.Outcome known : TransactionRules.Outcome.values()) {
            assertEquals(new TransactionRules.ResolutionStep.Ignore(),
                    TransactionRules.onResolution(known, Resolution.UNKNOWN, false), known.name());
        }
        assertEquals(new TransactionRules.ResolutionStep.Ignore(),
                TransactionRules.onResolution(TransactionRules.Outcome.COMMITTED, Resolution.COMMIT, false));
        assertEquals(new TransactionRules.ResolutionStep.Ignore(),
                TransactionRules.onResolution(TransactionRules.Outcome.ROLLED_BACK, Resolution.ROLLBACK, false));
        assertEquals(new TransactionRules.ResolutionStep.Refuse("it was already committed"),
                TransactionRules.onResolution(TransactionRules.Outcome.COMMITTED, Resolution.ROLLBACK, false));
        assertEquals(new TransactionRules.ResolutionStep.Refuse("it was already rolled back"),
                TransactionRules.onResolution(TransactionRules.Outcome.ROLLED_BACK, Resolution.COMMIT, false));
        assertEquals(new TransactionRules.ResolutionStep.Refuse(
                        "it was already moved to TRANS_CHECK_MAX_TIME_TOPIC after its last check"),
                TransactionRules.onResolution(TransactionRules.Outcome.CHECK_MAX, Resolution.COMMIT, false));
    }

    @Test
    void aSecondCommitWaitsForTheOneBeingApplied() {
        assertEquals(new TransactionRules.ResolutionStep.JoinRunning(),
                TransactionRules.onResolution(TransactionRules.Outcome.COMMITTING, Resolution.COMMIT, true));
        // its append finished (or failed and was forgotten): the same way is ignored, the other way refused
        assertEquals(new TransactionRules.ResolutionStep.Ignore(),
                TransactionRules.onResolution(TransactionRules.Outcome.COMMITTING, Resolution.COMMIT, false));
        assertEquals(new TransactionRules.ResolutionStep.Refuse("it was already committed"),
                TransactionRules.onResolution(TransactionRules.Outcome.COMMITTING, Resolution.ROLLBACK, true));
    }
}
