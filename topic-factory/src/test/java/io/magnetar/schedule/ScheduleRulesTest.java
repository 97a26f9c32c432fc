package io.magnetar.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.config.DelayLevels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleRulesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long THREE_DAYS = 3 * 86_400_000L;
    private final ScheduleRules rules = new ScheduleRules(DelayLevels.parse(DelayLevels.ROCKETMQ_DEFAULT), THREE_DAYS);

    private ScheduleDecision decide(Map<String, String> properties) {
        return rules.decide(properties::get, NOW);
    }

    private long dueAt(Map<String, String> properties) {
        return assertInstanceOf(ScheduleDecision.Hold.class, decide(properties)).dueAtMillis();
    }

    private String refusal(Map<String, String> properties) {
        return assertInstanceOf(ScheduleDecision.Refuse.class, decide(properties)).reason();
    }

    @Test
    void messagesWithoutSchedulingPropertiesAreUnscheduled() {
        assertEquals(ScheduleDecision.UNSCHEDULED, decide(Map.of()));
        assertEquals(ScheduleDecision.UNSCHEDULED, decide(Map.of("TAGS", "a", "KEYS", "k")));
    }

    @Test
    void pulsarsDeliverAtAtTopicLevelIsHeldWithinTheMaximum() {
        assertEquals(new ScheduleDecision.Hold(NOW + 5_000), rules.decideDeliverAt(NOW + 5_000, NOW, THREE_DAYS));
        assertEquals(ScheduleDecision.DUE_NOW, rules.decideDeliverAt(NOW - 1, NOW, THREE_DAYS));
        String reason = assertInstanceOf(ScheduleDecision.Refuse.class,
                rules.decideDeliverAt(NOW + 120_000, NOW, 60_000)).reason();
        assertTrue(reason.startsWith("deliverAt=") && reason.contains("beyond the maximum delay of 60 s"), reason);
    }

    @Test
    void delayLevelsUseTheTableAndClampAboveIt() {
        assertEquals(NOW + 1_000, dueAt(Map.of("DELAY", "1")));
        assertEquals(NOW + 10_000, dueAt(Map.of("DELAY", "3")));
        assertEquals(NOW + 7_200_000, dueAt(Map.of("DELAY", "18")));
        assertEquals(NOW + 7_200_000, dueAt(Map.of("DELAY", "99")));
        assertEquals(NOW + 7_200_000, dueAt(Map.of("DELAY", "99999999999")));
        assertEquals(NOW + 5_000, dueAt(Map.of("DELAY", " 2 ")));
    }

    @Test
    void aLevelWinsOverTimerProperties() {
        assertEquals(NOW + 30_000, dueAt(Map.of("DELAY", "4", "TIMER_DELAY_SEC", "3600",
                "TIMER_DELIVER_MS", Long.toString(NOW + 99_000))));
    }

    @Test
    void timerPropertiesInOrderOfPrecedence() {
        assertEquals(NOW + 90_000, dueAt(Map.of("TIMER_DELAY_SEC", "90")));
        assertEquals(NOW + 1_500, dueAt(Map.of("TIMER_DELAY_MS", "1500")));
        assertEquals(NOW + 42, dueAt(Map.of("TIMER_DELIVER_MS", Long.toString(NOW + 42))));
        assertEquals(NOW + 43, dueAt(Map.of("__STARTDELIVERTIME", Long.toString(NOW + 43))));
        assertEquals(NOW + 2_000, dueAt(Map.of("TIMER_DELAY_SEC", "2", "TIMER_DELAY_MS", "5",
                "TIMER_DELIVER_MS", Long.toString(NOW + 7))));
        assertEquals(NOW + 5, dueAt(Map.of("TIMER_DELAY_MS", "5", "TIMER_DELIVER_MS", Long.toString(NOW + 7))));
        assertEquals(NOW + 7, dueAt(Map.of("TIMER_DELIVER_MS", Long.toString(NOW + 7),
                "__STARTDELIVERTIME", Long.toString(NOW + 9))));
    }

    @Test
    void aPastOrPresentTimeIsDeliveredNow() {
        assertEquals(ScheduleDecision.DUE_NOW, decide(Map.of("TIMER_DELIVER_MS", Long.toString(NOW))));
        assertEquals(ScheduleDecision.DUE_NOW, decide(Map.of("TIMER_DELIVER_MS", "0")));
        assertEquals(ScheduleDecision.DUE_NOW, decide(Map.of("TIMER_DELAY_SEC", "0")));
    }

    @Test
    void badValuesAreRefusedNamingTheProperty() {
        assertTrue(refusal(Map.of("DELAY", "0")).startsWith("DELAY=0"));
        assertTrue(refusal(Map.of("DELAY", "-2")).contains("levels start at 1"));
        assertTrue(refusal(Map.of("DELAY", "three")).contains("DELAY='three' is not a whole number"));
        assertTrue(refusal(Map.of("TIMER_DELAY_SEC", "-1")).contains("TIMER_DELAY_SEC=-1 is negative"));
        assertTrue(refusal(Map.of("TIMER_DELAY_MS", "1e3")).contains("TIMER_DELAY_MS='1e3'"));
        assertTrue(refusal(Map.of("TIMER_DELIVER_MS", "tomorrow")).contains("TIMER_DELIVER_MS='tomorrow'"));
        assertTrue(refusal(Map.of("__STARTDELIVERTIME", "")).contains("__STARTDELIVERTIME=''"));
    }

    @Test
    void delaysBeyondTheMaximumAreRefused() {
        assertEquals(NOW + THREE_DAYS, dueAt(Map.of("TIMER_DELAY_MS", Long.toString(THREE_DAYS))));
        assertTrue(refusal(Map.of("TIMER_DELAY_MS", Long.toString(THREE_DAYS + 1))).contains("maximum delay"));
        assertTrue(refusal(Map.of("TIMER_DELAY_SEC", Long.toString(Long.MAX_VALUE))).contains("maximum delay"));
        assertTrue(refusal(Map.of("TIMER_DELIVER_MS", Long.toString(NOW + THREE_DAYS + 1)))
                .contains("beyond the maximum delay of 259200 s"));
        ScheduleDecision namespaceLimit = rules.decide(Map.of("TIMER_DELAY_SEC", "120")::get, NOW, 60_000);
        assertInstanceOf(ScheduleDecision.Refuse.class, namespaceLimit, "a namespace may allow less");
    }
}
