package io.magnetar.bench.report;

import java.io.PrintStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fixed-width table: each column is given by the {@code printf} conversion of its cells (e.g. {@code %-6d},
 * {@code %14.0f}); the header is printed at the same widths, left- or right-aligned as the cells are.
 */
public final class Table {
    private static final Pattern CONVERSION = Pattern.compile("%(-?)(\\d*)(?:\\.\\d+)?[a-zA-Z]");

    private final PrintStream out;
    private final String rowFormat;
    private final String headerFormat;

    /** @param cells one conversion per column, e.g. {@code "%-6d", "%-14s", "%14.0f"} */
    public Table(PrintStream out, String... cells) {
        this.out = out;
        this.rowFormat = String.join(" ", cells) + "%n";
        StringBuilder header = new StringBuilder();
        for (String cell : cells) {
            Matcher m = CONVERSION.matcher(cell);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a single printf conversion: " + cell);
            }
            header.append(header.length() == 0 ? "" : " ").append('%').append(m.group(1)).append(m.group(2))
                    .append('s');
        }
        this.headerFormat = header + "%n";
    }

    /** Prints the column names. */
    public Table header(String... names) {
        out.printf(headerFormat, (Object[]) names);
        return this;
    }

    /** Prints one row. */
    public void row(Object... cells) {
        out.printf(rowFormat, cells);
    }
}
