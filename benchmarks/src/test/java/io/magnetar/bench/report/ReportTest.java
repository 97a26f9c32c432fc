package io.magnetar.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ReportTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void theResultLineKeepsItsDecimalPointInACommaDecimalLocale() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try {
            Report.result(out, "ratio=%.3f count=%d recovery_s=%s", 1.5, 12_345, Report.root("%.1f", 2.25));
        } finally {
            Locale.setDefault(before);
        }
        assertEquals("RESULT ratio=1.500 count=12345 recovery_s=2.3\n", printed());
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.0, Report.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Report.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertTrue(Double.isNaN(Report.median(List.<Double>of())));
        assertEquals(20.0, Report.median(List.of("a", "bbb", "bb"), s -> s.length() * 10.0));
    }

    @Test
    void aTableHeaderTakesTheWidthsAndAlignmentOfItsCells() {
        new Table(out, "%-6d", "%-9s", "%10.2f").header("round", "broker", "p50 ms").row(1, "stock", 3.14159);
        assertEquals("round  broker        p50 ms\n1      stock           3.14\n", printed());
        assertThrows(IllegalArgumentException.class, () -> new Table(out, "%-6d %d"));
    }
}
