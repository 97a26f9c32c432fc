package io.magnetar.transaction;

/** What a publish is, transaction-wise. */
public sealed interface TransactionDecision {
    TransactionDecision NONE = new None();

    /** Not transactional: scheduling rules or Pulsar's publish apply. */
    record None() implements TransactionDecision { }

    /** A half message of {@code group}, first checked at {@code firstCheckAtMillis}. */
    record Half(String group, long firstCheckAtMillis) implements TransactionDecision { }

    /** A resolution of transaction {@code ledgerId:entryId} by {@code group}. */
    record Resolve(long ledgerId, long entryId, Resolution resolution, String group) implements TransactionDecision {
        public String transactionId(int partition) {
            return ledgerId + ":" + entryId + ":" + partition;
        }
    }

    /** Refused at publish with the reason. */
    record Refuse(String reason) implements TransactionDecision { }
}
