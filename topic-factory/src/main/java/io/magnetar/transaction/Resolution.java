package io.magnetar.transaction;

/** A producer's answer for a transaction (RocketMQ's {@code LocalTransactionState}). */
public enum Resolution {
    COMMIT, ROLLBACK, UNKNOWN;

    /** Parses this name or RocketMQ's ({@code COMMIT_MESSAGE}, {@code ROLLBACK_MESSAGE}, {@code UNKNOW}); null if neither. */
    public static Resolution parse(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "COMMIT", "COMMIT_MESSAGE" -> COMMIT;
            case "ROLLBACK", "ROLLBACK_MESSAGE" -> ROLLBACK;
            case "UNKNOWN", "UNKNOW" -> UNKNOWN;
            default -> null;
        };
    }
}
