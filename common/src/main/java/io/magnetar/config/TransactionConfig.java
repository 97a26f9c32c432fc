package io.magnetar.config;

import java.util.Properties;

/**
 * The transactional-message keys of broker.conf (the topic factory's; RocketMQ 5's defaults), parsed once; a bad
 * value names the key.
 *
 * @param timeoutMillis how long a half message waits for its resolution before the first check-back
 * @param checkIntervalMillis the wait between check-backs
 * @param checkMax check-backs before the half message goes to the check-max topic
 */
public record TransactionConfig(long timeoutMillis, long checkIntervalMillis, int checkMax) {
    public static final String TIMEOUT_SECONDS = "magnetarTransactionTimeoutSeconds";
    public static final String CHECK_INTERVAL_SECONDS = "magnetarTransactionCheckIntervalSeconds";
    public static final String CHECK_MAX = "magnetarTransactionCheckMax";
    public static final long MAX_SECONDS = 7 * 86_400;

    public static TransactionConfig from(Properties properties) {
        long timeout = ConfigValues.wholeNumber(properties, TIMEOUT_SECONDS, 6, 1, MAX_SECONDS);
        long interval = ConfigValues.wholeNumber(properties, CHECK_INTERVAL_SECONDS, 30, 1, MAX_SECONDS);
        long max = ConfigValues.wholeNumber(properties, CHECK_MAX, 15, 0, 1_000);
        return new TransactionConfig(timeout * 1000, interval * 1000, (int) max);
    }
}
