package io.magnetar.config;

import java.util.Properties;

/**
 * Reads one typed broker.conf value with bounds. Every error message starts with the key, so a broker that
 * refuses to start, or a strategy that refuses a value, says which line of broker.conf to fix.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    /** A whole number in {@code [min, max]}, or {@code defaultValue} when the key is absent or blank. */
    public static long wholeNumber(Properties properties, String key, long defaultValue, long min, long max) {
        String raw = properties.getProperty(key);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + raw + "' is not a whole number");
        }
        return checked(key, value, min, max);
    }

    /** A number in {@code [min, max]}, or {@code defaultValue} when the key is absent or blank. */
    public static double number(Properties properties, String key, double defaultValue, double min, double max) {
        String raw = properties.getProperty(key);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        double value;
        try {
            value = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + raw + "' is not a number");
        }
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(key + ": " + raw.trim() + " is outside " + min + ".." + max);
        }
        return value;
    }

    private static long checked(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + ": " + value + " is outside " + min + ".." + max);
        }
        return value;
    }
}
