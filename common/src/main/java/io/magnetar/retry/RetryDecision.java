package io.magnetar.retry;

/** What becomes of one failed message. */
public sealed interface RetryDecision {
    /** Comes back to the same subscription at {@code dueAtMillis}, as reconsume number {@code reconsumeTimes}. */
    record Redeliver(int reconsumeTimes, long dueAtMillis) implements RetryDecision { }

    /** Goes to the dead-letter topic, having been reconsumed {@code reconsumeTimes} times. */
    record DeadLetter(int reconsumeTimes) implements RetryDecision { }
}
