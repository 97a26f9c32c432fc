package io.magnetar.transaction;

import io.magnetar.config.TransactionConfig;
import java.util.function.Function;

/**
 * RocketMQ's transactional-message rules as a pure function of a message's properties and the clock: what a
 * publish is (half message, resolution, neither, or refused), what a resolution of an already resolved transaction
 * does, and what to do when a half message's check comes due.
 */
public final class TransactionRules {
    private final TransactionConfig config;

    public TransactionRules(TransactionConfig config) {
        this.config = config;
    }

    public TransactionConfig config() {
        return config;
    }

    /**
     * @param properties the message's property lookup (null when absent)
     * @param partition the topic's partition index (-1 when not partitioned): a transaction id names it
     * @param scheduled whether the message also carries a scheduling property (RocketMQ refuses the mix)
     */
    public TransactionDecision decide(Function<String, String> properties, int partition, boolean scheduled,
                                      long now) {
        String txnId = properties.apply(TransactionProperties.TRANSACTION_ID);
        String half = properties.apply(TransactionProperties.HALF);
        if (txnId != null) {
            if (half != null) {
                return new TransactionDecision.Refuse("a message is a half message (" + TransactionProperties.HALF
                        + ") or a resolution (" + TransactionProperties.TRANSACTION_ID + "), not both");
            }
            return resolution(txnId, properties, partition);
        }
        if (half == null || !half.trim().equalsIgnoreCase("true")) {
            return TransactionDecision.NONE;
        }
        String group = properties.apply(TransactionProperties.PRODUCER_GROUP);
        if (group == null || group.isBlank()) {
            return new TransactionDecision.Refuse("a half message needs its producer group in "
                    + TransactionProperties.PRODUCER_GROUP);
        }
        if (!validGroup(group)) {
            return new TransactionDecision.Refuse(TransactionProperties.PRODUCER_GROUP + "='" + group
                    + "': use letters, digits, '-', '_' or '.'");
        }
        if (scheduled) {
            return new TransactionDecision.Refuse("a half message cannot also be scheduled (DELAY or TIMER_*), "
                    + "as in RocketMQ");
        }
        long wait = config.timeoutMillis();
        String immunity = properties.apply(TransactionProperties.CHECK_IMMUNITY_SECONDS);
        if (immunity != null) {
            long seconds;
            try {
                seconds = Long.parseLong(immunity.trim());
            } catch (NumberFormatException e) {
                return new TransactionDecision.Refuse(TransactionProperties.CHECK_IMMUNITY_SECONDS + "='" + immunity
                        + "' is not a whole number of seconds");
            }
            if (seconds < 1 || seconds > TransactionConfig.MAX_SECONDS) {
                return new TransactionDecision.Refuse(TransactionProperties.CHECK_IMMUNITY_SECONDS + "=" + seconds
                        + " is outside 1.." + TransactionConfig.MAX_SECONDS);
            }
            wait = seconds * 1000;
        }
        return new TransactionDecision.Half(group.trim(), now + wait);
    }

    private static TransactionDecision resolution(String txnId, Function<String, String> properties,
                                                  int partition) {
        Resolution resolution = Resolution.parse(properties.apply(TransactionProperties.RESOLUTION));
        if (resolution == null) {
            return new TransactionDecision.Refuse(TransactionProperties.RESOLUTION + "='"
                    + properties.apply(TransactionProperties.RESOLUTION) + "': use COMMIT, ROLLBACK or UNKNOWN");
        }
        String group = properties.apply(TransactionProperties.PRODUCER_GROUP);
        if (group == null || group.isBlank()) {
            return new TransactionDecision.Refuse("a resolution needs the producer group in "
                    + TransactionProperties.PRODUCER_GROUP);
        }
        String[] parts = txnId.trim().split(":");
        try {
            if (parts.length == 3 && Integer.parseInt(parts[2]) == partition) {
                long ledgerId = Long.parseLong(parts[0]);
                long entryId = Long.parseLong(parts[1]);
                if (ledgerId >= 0 && entryId >= 0) {
                    return new TransactionDecision.Resolve(ledgerId, entryId, resolution, group.trim());
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return new TransactionDecision.Refuse(TransactionProperties.TRANSACTION_ID + "='" + txnId
                + "' is not a transaction of this topic (ledger:entry:" + partition + ")");
    }

    static boolean validGroup(String group) {
        String g = group.trim();
        return !g.isEmpty() && g.length() <= 200 && g.chars().allMatch(c -> Character.isLetterOrDigit(c)
                || c == '-' || c == '_' || c == '.');
    }

    /** When a half message's check comes due after {@code checksSent} checks. */
    public CheckDecision onCheckDue(int checksSent, long now) {
        if (checksSent >= config.checkMax()) {
            return new CheckDecision.CheckMaxReached(checksSent);
        }
        return new CheckDecision.Check(checksSent + 1, now + config.checkIntervalMillis());
    }

    /** What to do with a due, unresolved half message. */
    public sealed interface CheckDecision {
        /** Ask the group (check number {@code checkTimes}); look again at {@code nextCheckAtMillis}. */
        record Check(int checkTimes, long nextCheckAtMillis) implements CheckDecision { }

        /** No more checks: the half goes to the namespace's check-max topic. */
        record CheckMaxReached(int checksSent) implements CheckDecision { }
    }

    /** What is known of a transaction's resolution while its topic stays loaded. */
    public enum Outcome {
        /** A COMMIT is being applied (its half appended to the topic). */
        COMMITTING, COMMITTED, ROLLED_BACK,
        /** Its checks ran out: it went to the check-max topic. */
        CHECK_MAX;

        /** The outcome a resolution about to be applied records. */
        public static Outcome applying(Resolution resolution) {
            return resolution == Resolution.COMMIT ? COMMITTING : ROLLED_BACK;
        }
    }

    /**
     * RocketMQ's rule for a resolution of a transaction whose outcome is {@code known}: the same way (or UNKNOWN)
     * is ignored, the other way is refused; a COMMIT while the first one is still being applied waits for it.
     *
     * @param known the transaction's outcome, or null when none is known (then the resolution applies)
     * @param commitRunning whether the append of a COMMIT is still in flight
     */
    public static ResolutionStep onResolution(Outcome known, Resolution requested, boolean commitRunning) {
        if (known == null) {
            return new ResolutionStep.Apply(Outcome.applying(requested));
        }
        if (known == Outcome.COMMITTING && requested == Resolution.COMMIT && commitRunning) {
            return new ResolutionStep.JoinRunning();
        }
        boolean same = requested == Resolution.UNKNOWN
                || requested == Resolution.COMMIT && (known == Outcome.COMMITTED || known == Outcome.COMMITTING)
                || requested == Resolution.ROLLBACK && known == Outcome.ROLLED_BACK;
        if (same) {
            return new ResolutionStep.Ignore();
        }
        return new ResolutionStep.Refuse("it was already " + switch (known) {
            case COMMITTING, COMMITTED -> "committed";
            case ROLLED_BACK -> "rolled back";
            case CHECK_MAX -> "moved to " + TransactionProperties.CHECK_MAX_TOPIC + " after its last check";
        });
    }

    /** What a resolution does, given what is known of its transaction. */
    public sealed interface ResolutionStep {
        /** Nothing is known: apply it, recording {@code outcome} meanwhile. */
        record Apply(Outcome outcome) implements ResolutionStep { }

        /** Already resolved this way (or UNKNOWN): nothing to do. */
        record Ignore() implements ResolutionStep { }

        /** Already resolved the other way. */
        record Refuse(String reason) implements ResolutionStep { }

        /** The same COMMIT is being applied: answer when it is. */
        record JoinRunning() implements ResolutionStep { }
    }
}
