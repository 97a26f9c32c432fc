package io.magnetar.filter;

/**
 * Exception-free recognition and comparison of numbers for the SQL92 hot path. Property values are text;
 * {@link #classify} checks the syntax first so that the JDK parse that follows can never throw.
 *
 * <p>Accepted syntax: {@code [+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?}. Surrounding
 * whitespace, {@code NaN}, {@code Infinity}, hex and type suffixes are not numbers.
 */
final class NumericText {
    static final int NOT_NUMERIC = 0;
    static final int LONG = 1;
    static final int DOUBLE = 2;

    private NumericText() {
    }

    static int classify(String text) {
        int length = text.length();
        int pos = 0;
        if (pos < length && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
            pos++;
        }
        int integerStart = pos;
        pos = skipDigits(text, pos);
        int integerDigits = pos - integerStart;
        boolean integral = true;
        if (pos < length && text.charAt(pos) == '.') {
            integral = false;
            int fractionStart = ++pos;
            pos = skipDigits(text, pos);
            if (integerDigits == 0 && pos == fractionStart) {
                return NOT_NUMERIC;
            }
        } else if (integerDigits == 0) {
            return NOT_NUMERIC;
        }
        if (pos < length && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            integral = false;
            pos++;
            if (pos < length && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            int exponentStart = pos;
            pos = skipDigits(text, pos);
            if (pos == exponentStart) {
                return NOT_NUMERIC;
            }
        }
        if (pos != length) {
            return NOT_NUMERIC;
        }
        if (integral && fitsInLong(text, integerStart, length)) {
            return LONG;
        }
        return DOUBLE;
    }

    private static int skipDigits(String text, int pos) {
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos;
    }

    /** Whether the digit run text[start, end) (sign at start - 1, if any) is within long range. */
    private static boolean fitsInLong(String text, int start, int end) {
        while (start < end - 1 && text.charAt(start) == '0') {
            start++;
        }
        int digits = end - start;
        if (digits != 19) {
            return digits < 19;
        }
        boolean negative = start > 0 && text.charAt(0) == '-';
        String limit = negative ? "9223372036854775808" : "9223372036854775807";
        for (int i = 0; i < 19; i++) {
            char c = text.charAt(start + i);
            char l = limit.charAt(i);
            if (c != l) {
                return c < l;
            }
        }
        return true;
    }

    /**
     * Sign of (a - b), exact for every long/double mix; each side is a long when its flag is set, else a
     * finite or infinite (never NaN) double.
     */
    static int compare(boolean aIsLong, long aLong, double aDouble, boolean bIsLong, long bLong, double bDouble) {
        if (aIsLong) {
            return bIsLong ? Long.compare(aLong, bLong) : compareLongDouble(aLong, bDouble);
        }
        if (bIsLong) {
            return -compareLongDouble(bLong, aDouble);
        }
        return aDouble < bDouble ? -1 : (aDouble > bDouble ? 1 : 0);
    }

    // Converting the long to double would round above 2^53, so compare integer parts as longs instead.
    private static int compareLongDouble(long a, double b) {
        if (b >= 0x1p63) {
            return -1;
        }
        if (b < -0x1p63) {
            return 1;
        }
        long integerPart = (long) b;
        if (a != integerPart) {
            return a < integerPart ? -1 : 1;
        }
        double fraction = b - integerPart;
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0);
    }
}
