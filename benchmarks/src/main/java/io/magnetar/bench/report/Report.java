package io.magnetar.bench.report;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * What every benchmark reports the same way: its progress (on stderr, so the report on stdout stays a clean
 * table), medians of its rounds, and the one {@code RESULT} line that ends its report. The RESULT line is always
 * formatted in {@link Locale#ROOT}: scripts read it, and a comma-decimal default locale would change it.
 */
public final class Report {
    private Report() {
    }

    /** Prints {@code RESULT <format>} and a newline in {@link Locale#ROOT}. */
    public static void result(PrintStream out, String format, Object... args) {
        out.printf(Locale.ROOT, "RESULT " + format + "%n", args);
    }

    /** {@code String.format} in {@link Locale#ROOT}, for values computed into a RESULT argument. */
    public static String root(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** Prints {@code [bench NAME hh:mm:ss] phase} on stderr. */
    public static void progress(String benchmark, String format, Object... args) {
        System.err.printf(Locale.ROOT, "[bench %s %tT] %s%n", benchmark, System.currentTimeMillis(),
                args.length == 0 ? format : String.format(Locale.ROOT, format, args));
    }

    /** The median (the mean of the two middle values for an even count); NaN for none. */
    public static double median(Collection<? extends Number> values) {
        double[] v = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The median of {@code f} over {@code rounds}. */
    public static <T> double median(Collection<T> rounds, ToDoubleFunction<T> f) {
        return median(rounds.stream().map(r -> f.applyAsDouble(r)).toList());
    }
}
