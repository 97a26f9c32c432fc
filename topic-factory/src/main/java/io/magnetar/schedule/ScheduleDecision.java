package io.magnetar.schedule;

/** What to do with a published message, by its scheduling properties. */
public sealed interface ScheduleDecision {
    /** No scheduling property: publish as usual. */
    record Unscheduled() implements ScheduleDecision {
    }

    /** Due now or in the past: publish as usual (RocketMQ delivers such a timer message at once). */
    record DueNow() implements ScheduleDecision {
    }

    /** Hold until {@code dueAtMillis} (epoch ms), then append to the topic. */
    record Hold(long dueAtMillis) implements ScheduleDecision {
    }

    /** Refuse at publish; {@code reason} names the property and the problem. */
    record Refuse(String reason) implements ScheduleDecision {
    }

    ScheduleDecision UNSCHEDULED = new Unscheduled();
    ScheduleDecision DUE_NOW = new DueNow();
}
