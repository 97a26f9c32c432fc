package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Sql92ExpressionTest {
    private static final Map<String, String> MESSAGE = Map.ofEntries(
            Map.entry("a", "5"),
            Map.entry("b", "abc"),
            Map.entry("d", "2.5"),
            Map.entry("neg", "-3"),
            Map.entry("big", "9223372036854775807"),
            Map.entry("flag", "TRUE"),
            Map.entry("empty", ""),
            Map.entry("quote", "it's"),
            Map.entry("Name", "upper"),
            Map.entry("x.y", "dotted"),
            Map.entry("TAGS", "TagA"));

    private static final String TWENTY_VALUES = IntStream.range(0, 20).mapToObj(i -> "'v" + i + "'")
            .collect(Collectors.joining(", "));

    static Stream<Arguments> againstMessage() {
        return Stream.of(
                // numeric comparisons of a property with a literal
                Arguments.of("a = 5", true),
                Arguments.of("a = 5.0", true),
                Arguments.of("a = +5", true),
                Arguments.of("a <> 5", false),
                Arguments.of("a <> 6", true),
                Arguments.of("a > 4", true),
                Arguments.of("a > 5", false),
                Arguments.of("a >= 5", true),
                Arguments.of("a < 6", true),
                Arguments.of("a <= 4", false),
                Arguments.of("a < 5.5", true),
                Arguments.of("a > 4.99", true),
                Arguments.of("d > 2", true),
                Arguments.of("d = 2.5", true),
                Arguments.of("d = 25e-1", true),
                Arguments.of("d < 2.5e0", false),
                Arguments.of("d = .25E1", true),
                Arguments.of("neg < 0", true),
                Arguments.of("neg = -3", true),
                Arguments.of("neg > - 4", true),
                Arguments.of("big = 9223372036854775807", true),
                Arguments.of("big > 9223372036854775806", true),
                Arguments.of("big < 9.3e18", true),
                Arguments.of("big > 9.2e18", true),
                Arguments.of("big > -9223372036854775808", true),
                // literal on the left
                Arguments.of("4 < a", true),
                Arguments.of("6 <= a", false),
                Arguments.of("5 = a", true),
                Arguments.of("'abc' = b", true),
                // strings
                Arguments.of("b = 'abc'", true),
                Arguments.of("b = 'ABC'", false),
                Arguments.of("b <> 'abc'", false),
                Arguments.of("b <> 'x'", true),
                Arguments.of("quote = 'it''s'", true),
                Arguments.of("empty = ''", true),
                Arguments.of("a = '5'", true),
                Arguments.of("a = '5.0'", false),
                Arguments.of("TAGS = 'TagA'", true),
                // text that is not a number compared numerically is never a match, whatever the operator
                Arguments.of("b = 5", false),
                Arguments.of("b <> 5", false),
                Arguments.of("b > 5", false),
                Arguments.of("NOT (b > 5)", false),
                Arguments.of("NOT b <= 5", false),
                Arguments.of("empty = 0", false),
                Arguments.of("flag = 1", false),
                // NULL: a missing property makes comparisons UNKNOWN, and NOT UNKNOWN stays UNKNOWN
                Arguments.of("missing = 5", false),
                Arguments.of("missing <> 5", false),
                Arguments.of("NOT (missing = 5)", false),
                Arguments.of("missing = 'x'", false),
                Arguments.of("missing <> 'x'", false),
                Arguments.of("missing IS NULL", true),
                Arguments.of("missing IS NOT NULL", false),
                Arguments.of("NOT missing IS NULL", false),
                Arguments.of("a IS NULL", false),
                Arguments.of("a IS NOT NULL", true),
                Arguments.of("empty IS NULL", false),
                Arguments.of("missing = 5 OR a = 5", true),
                Arguments.of("missing = 5 OR a = 6", false),
                Arguments.of("NOT (missing = 5 OR a = 6)", false),
                Arguments.of("NOT (missing = 5 OR a = 5)", false),
                Arguments.of("missing = 5 AND a = 5", false),
                Arguments.of("NOT (missing = 5 AND a = 5)", false),
                Arguments.of("NOT (missing = 5 AND a = 6)", true),
                Arguments.of("missing IS NULL OR missing > 3", true),
                Arguments.of("missing IS NOT NULL AND missing > 3", false),
                // BETWEEN (inclusive, numeric)
                Arguments.of("a BETWEEN 1 AND 10", true),
                Arguments.of("a BETWEEN 5 AND 5", true),
                Arguments.of("a BETWEEN 6 AND 10", false),
                Arguments.of("a BETWEEN 1 AND 4", false),
                Arguments.of("a NOT BETWEEN 6 AND 10", true),
                Arguments.of("a NOT BETWEEN 1 AND 10", false),
                Arguments.of("d BETWEEN 2 AND 3", true),
                Arguments.of("a BETWEEN 4.5 AND 5.5", true),
                Arguments.of("neg BETWEEN -5 AND -1", true),
                Arguments.of("missing BETWEEN 1 AND 10", false),
                Arguments.of("missing NOT BETWEEN 1 AND 10", false),
                Arguments.of("b BETWEEN 1 AND 10", false),
                Arguments.of("b NOT BETWEEN 1 AND 10", false),
                Arguments.of("NOT a BETWEEN 1 AND 10", false),
                Arguments.of("a BETWEEN 1 AND 10 AND b = 'abc'", true),
                Arguments.of("a BETWEEN 1 AND 10 AND b = 'x'", false),
                // IN (exact strings)
                Arguments.of("b IN ('x', 'abc')", true),
                Arguments.of("b IN ('x')", false),
                Arguments.of("b IN ('ABC')", false),
                Arguments.of("b NOT IN ('x')", true),
                Arguments.of("b NOT IN ('abc')", false),
                Arguments.of("missing IN ('a')", false),
                Arguments.of("missing NOT IN ('a')", false),
                Arguments.of("a IN ('5')", true),
                Arguments.of("quote IN ('it''s')", true),
                Arguments.of("b IN ('x', 'x', 'abc')", true),
                Arguments.of("b IN (" + TWENTY_VALUES + ", 'abc')", true),
                Arguments.of("b IN (" + TWENTY_VALUES + ")", false),
                Arguments.of("b NOT IN (" + TWENTY_VALUES + ")", true),
                // booleans
                Arguments.of("TRUE", true),
                Arguments.of("FALSE", false),
                Arguments.of("NOT FALSE", true),
                Arguments.of("flag = TRUE", true),
                Arguments.of("flag = FALSE", false),
                Arguments.of("flag <> FALSE", true),
                Arguments.of("TRUE = flag", true),
                Arguments.of("b = TRUE", false),
                Arguments.of("NOT (b = TRUE)", false),
                Arguments.of("TRUE AND a = 5", true),
                Arguments.of("a = 5 AND FALSE", false),
                Arguments.of("1 = 1", true),
                Arguments.of("1 < 2.5", true),
                Arguments.of("'a' = 'b'", false),
                Arguments.of("'a' <> 'b'", true),
                Arguments.of("TRUE = FALSE", false),
                // precedence: NOT > AND > OR, parentheses override
                Arguments.of("a = 5 OR a = 6 AND b = 'x'", true),
                Arguments.of("a = 6 AND b = 'x' OR a = 5", true),
                Arguments.of("(a = 5 OR a = 6) AND b = 'x'", false),
                Arguments.of("NOT a = 6 AND b = 'x'", false),
                Arguments.of("NOT (a = 6 AND b = 'x')", true),
                Arguments.of("NOT a = 5 OR b = 'abc'", true),
                Arguments.of("NOT (a = 5 OR b = 'abc')", false),
                Arguments.of("NOT NOT a = 5", true),
                Arguments.of("((a = 5))", true),
                Arguments.of("(a = 5) AND ((b = 'abc') OR (d < 0))", true),
                // keywords are case-insensitive
                Arguments.of("a between 1 and 10", true),
                Arguments.of("b not in ('x')", true),
                Arguments.of("missing is null", true),
                Arguments.of("a iS nOt NuLl", true),
                Arguments.of("a = 6 oR b = 'abc'", true),
                Arguments.of("NoT a = 6", true),
                Arguments.of("true", true),
                Arguments.of("flag = true", true),
                // property names are case-sensitive and may contain '.' and '_'
                Arguments.of("Name = 'upper'", true),
                Arguments.of("name = 'upper'", false),
                Arguments.of("x.y = 'dotted'", true),
                Arguments.of("_u IS NULL", true),
                // two properties
                Arguments.of("a = a", true),
                Arguments.of("a > d", true),
                Arguments.of("a < d", false),
                Arguments.of("b = b", true),
                Arguments.of("b > a", false),
                Arguments.of("a <> b", true),
                Arguments.of("a = missing", false),
                Arguments.of("a <> missing", false),
                // layout
                Arguments.of("  a=5  ", true),
                Arguments.of("a>=5 AND b='abc'", true),
                Arguments.of("a\t=\n5", true),
                Arguments.of("b='abc'AND(a=5)", true));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("againstMessage")
    void matchesAgainstMessage(String expression, boolean expected) {
        assertEquals(expected, Sql92Expression.compile(expression).matches(PropertyLookup.of(MESSAGE)));
    }

    /** How property text is read as a number when compared with a numeric literal. */
    static Stream<Arguments> numericText() {
        return Stream.of(
                Arguments.of("v = 5", "5", true),
                Arguments.of("v = 5", "+5", true),
                Arguments.of("v = 5", "005", true),
                Arguments.of("v = 5", "5.", true),
                Arguments.of("v = 5", "5.000", true),
                Arguments.of("v = 5", "5e0", true),
                Arguments.of("v = 5", "0.5E1", true),
                Arguments.of("v = 5", " 5", false),
                Arguments.of("v = 5", "5 ", false),
                Arguments.of("v = 5", "5L", false),
                Arguments.of("v = 5", "5d", false),
                Arguments.of("v = 16", "0x10", false),
                Arguments.of("v = 5", "--5", false),
                Arguments.of("v = 5", "5e", false),
                Arguments.of("v = 5", ".", false),
                Arguments.of("v = 5", "-", false),
                Arguments.of("v > 0", "NaN", false),
                Arguments.of("v > 0", "Infinity", false),
                Arguments.of("v <> 0", "", false),
                Arguments.of("v > 0", "1e400", true),
                Arguments.of("v < 0", "-1e400", true),
                Arguments.of("v > 9223372036854775807", "9223372036854775808", true),
                Arguments.of("v = -9223372036854775808", "-9223372036854775808", true),
                Arguments.of("v < -9223372036854775808", "-1e19", true),
                // integers beyond the long range are read as doubles, so they round
                Arguments.of("v = -9223372036854775808", "-9223372036854775809", true),
                Arguments.of("v > 9223372036854775806", "99999999999999999999999", true),
                // exact long/double comparison where a cast to double would round
                Arguments.of("v > 9007199254740992.0", "9007199254740993", true),
                Arguments.of("v = 9007199254740992.0", "9007199254740993", false),
                Arguments.of("v < 9.223372036854775807E18", "9223372036854775807", true),
                Arguments.of("v BETWEEN 9007199254740993 AND 9007199254740993", "9007199254740992.0", false),
                Arguments.of("v < 0.5", "0", true),
                Arguments.of("v > -0.5", "0", true),
                Arguments.of("v < -0.5", "-1", true),
                Arguments.of("v = 0", "-0.0", true),
                Arguments.of("v = 0.0", "-0", true),
                Arguments.of("v BETWEEN 1 AND 2", "1.5", true),
                Arguments.of("v BETWEEN 1.5 AND 1.5", "1.5", true),
                Arguments.of("v BETWEEN -1 AND 1", "x1", false));
    }

    @ParameterizedTest(name = "[{index}] {0} with v=\"{1}\" -> {2}")
    @MethodSource("numericText")
    void readsPropertyTextAsNumber(String expression, String value, boolean expected) {
        assertEquals(expected, Sql92Expression.compile(expression).matches(PropertyLookup.of(Map.of("v", value))));
    }

    @Test
    void compiledFormIsReusableAcrossMessages() {
        Sql92Expression filter = Sql92Expression.compile("region IN ('eu', 'us') AND price > 10");
        assertTrue(filter.matches(PropertyLookup.of(Map.of("region", "eu", "price", "11"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of("region", "eu", "price", "10"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of("region", "asia", "price", "11"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of())));
        assertTrue(filter.matches(PropertyLookup.of(Map.of("region", "us", "price", "10.5"))));
        assertEquals("SQL92", filter.type());
        assertEquals("region IN ('eu', 'us') AND price > 10", filter.expression());
    }

    @Test
    void shortCircuitsLogic() {
        Sql92Expression filter = Sql92Expression.compile("a = 1 OR b = 1");
        List<String> asked = new ArrayList<>();
        assertTrue(filter.matches(name -> {
            asked.add(name);
            return "1";
        }));
        assertEquals(List.of("a"), asked);
    }

    @Test
    void longFlatChainsAreNotNesting() {
        // Flat AND/OR chains compile to n-ary nodes, so their length never counts as nesting depth.
        String chain = IntStream.range(0, 300).mapToObj(i -> "p = " + i).collect(Collectors.joining(" OR "));
        assertTrue(chain.length() <= Sql92Expression.MAX_LENGTH);
        Sql92Expression filter = Sql92Expression.compile(chain);
        assertTrue(filter.matches(PropertyLookup.of(Map.of("p", "299"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of("p", "300"))));
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        int depth = Sql92Expression.MAX_DEPTH;
        String nested = "(".repeat(depth) + "a = 5" + ")".repeat(depth);
        assertTrue(Sql92Expression.compile(nested).matches(PropertyLookup.of(MESSAGE)));
        String nots = "NOT ".repeat(depth) + "a = 5";
        assertTrue(Sql92Expression.compile(nots).matches(PropertyLookup.of(MESSAGE)));
    }
}
