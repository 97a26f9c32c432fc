package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Sql92ExpressionRefusalTest {
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("", "empty expression"),
                Arguments.of("  \t", "empty expression"),
                Arguments.of(null, "empty expression"),
                Arguments.of("a = 5 AND", "unexpected end of expression at offset 9"),
                Arguments.of("AND a = 5", "unexpected token 'AND' at offset 0"),
                Arguments.of("a = 5 AND AND b = 1", "unexpected token 'AND' at offset 10"),
                Arguments.of("a = 5 b = 6", "unexpected token 'b' at offset 6, expected AND, OR or the end"),
                Arguments.of("a == 5", "unexpected token '=' at offset 3"),
                Arguments.of("a != 5", "unexpected character '!' at offset 2"),
                Arguments.of("a = 5 # x", "unexpected character '#' at offset 6"),
                Arguments.of("a = \"x\"", "unexpected character '\"' at offset 4"),
                Arguments.of("a = 'abc", "unterminated string literal starting at offset 4"),
                Arguments.of("a = 'it''s", "unterminated string literal starting at offset 4"),
                Arguments.of("(a = 5",
                        "unexpected end of expression at offset 6, expected ')' closing the '(' at offset 0"),
                Arguments.of("a = 5)", "unexpected token ')' at offset 5"),
                Arguments.of("()", "unexpected token ')' at offset 1"),
                Arguments.of("NOT", "unexpected end of expression at offset 3"),
                Arguments.of("a",
                        "unexpected end of expression at offset 1, expected a comparison operator, BETWEEN, IN or IS"
                                + " after property a"),
                Arguments.of("a > 'x'", "operator '>' at offset 2 compares numbers only, got string literal 'x'"),
                Arguments.of("'x' <= a", "operator '>=' at offset 4 compares numbers only, got string literal 'x'"),
                Arguments.of("a >= TRUE", "operator '>=' at offset 2 compares numbers only, got boolean literal TRUE"),
                Arguments.of("'a' = 1",
                        "operator '=' at offset 4 cannot compare string literal 'a' with numeric literal 1"),
                Arguments.of("TRUE = 'true'", "cannot compare boolean literal TRUE with string literal 'true'"),
                Arguments.of("a = NULL", "unexpected token 'NULL' at offset 4"),
                Arguments.of("NULL IS NULL", "unexpected token 'NULL' at offset 0"),
                Arguments.of("a BETWEEN 10 AND 1",
                        "BETWEEN at offset 2 has its lower bound 10 above its upper bound 1"),
                Arguments.of("a BETWEEN 1.5 AND 1", "lower bound 1.5 above its upper bound 1"),
                Arguments.of("a BETWEEN 'x' AND 'y'",
                        "unexpected token ''x'' at offset 10, expected a numeric literal as BETWEEN bound"),
                Arguments.of("a BETWEEN b AND 5", "unexpected token 'b' at offset 10"),
                Arguments.of("a BETWEEN 1 OR 2",
                        "unexpected token 'OR' at offset 12, expected AND between the BETWEEN bounds"),
                Arguments.of("a BETWEEN 1", "unexpected end of expression at offset 11"),
                Arguments.of("a IN ()", "unexpected token ')' at offset 6, expected a string literal in the IN list"),
                Arguments.of("a IN (1, 2)", "unexpected token '1' at offset 6, expected a string literal"),
                Arguments.of("a IN ('x' 'y')",
                        "unexpected token ''y'' at offset 10, expected ',' or ')' in the IN list"),
                Arguments.of("a IN ('x',)", "unexpected token ')' at offset 10"),
                Arguments.of("a IN 'x'", "unexpected token ''x'' at offset 5, expected '(' after IN"),
                Arguments.of("a IS 5", "unexpected token '5' at offset 5, expected NULL or NOT NULL after IS"),
                Arguments.of("a IS NOT 5", "unexpected token '5' at offset 9, expected NULL after IS NOT"),
                Arguments.of("5 IS NULL", "IS NULL at offset 2 needs a property on its left, got numeric literal 5"),
                Arguments.of("'x' IN ('x')", "IN at offset 4 needs a property on its left, got string literal 'x'"),
                Arguments.of("1 BETWEEN 0 AND 2", "BETWEEN at offset 2 needs a property on its left"),
                Arguments.of("a NOT LIKE 'x'", "unexpected token 'LIKE' at offset 6, expected BETWEEN or IN after NOT"),
                Arguments.of("a LIKE 'x%'", "unexpected token 'LIKE' at offset 2"),
                Arguments.of("a = - 'x'", "unexpected token ''x'' at offset 6, expected a numeric literal"),
                Arguments.of("1abc = 1", "invalid numeric literal '1abc' at offset 0"),
                Arguments.of("9a = 1", "invalid numeric literal '9a' at offset 0"),
                Arguments.of("a = 1e", "invalid numeric literal '1e' at offset 4"),
                Arguments.of("a = 1.2.3", "invalid numeric literal '1.2.3' at offset 4"),
                Arguments.of("a = 5AND b = 1", "invalid numeric literal '5AND' at offset 4"),
                Arguments.of("a = 99999999999999999999",
                        "numeric literal '99999999999999999999' at offset 4 is out of range"),
                Arguments.of("a = -9223372036854775809",
                        "numeric literal '-9223372036854775809' at offset 4 is out of range"),
                Arguments.of("a = 1e999", "numeric literal '1e999' at offset 4 is out of range"),
                Arguments.of(".a = 1", "unexpected character '.' at offset 0"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refusals")
    void refuses(String expression, String expectedProblem) {
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile(expression));
        assertTrue(e.getMessage().startsWith("SQL92 expression: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedProblem), e.getMessage());
    }

    @Test
    void reportsTheOffendingTokenAndOffsetAsTheClientWillSeeIt() {
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile("a = 1 AND AND b"));
        assertEquals("SQL92 expression: unexpected token 'AND' at offset 10, expected a property name, a literal,"
                + " NOT or '('", e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void refusesOverlongExpressions() {
        String expression = "a = 'x" + "y".repeat(Sql92Expression.MAX_LENGTH) + "'";
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile(expression));
        assertEquals("SQL92 expression: expression is " + expression.length()
                + " characters long, the limit is 4096", e.getMessage());
    }

    @Test
    void refusesDeepParenthesesWithoutOverflowingTheStack() {
        int tooDeep = Sql92Expression.MAX_DEPTH + 1;
        String expression = "(".repeat(tooDeep) + "a = 5" + ")".repeat(tooDeep);
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile(expression));
        assertEquals("SQL92 expression: nesting deeper than 64 levels at offset 64", e.getMessage());

        String unbalanced = "(".repeat(4000);
        FilterExpressionException deep = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile(unbalanced));
        assertTrue(deep.getMessage().contains("nesting deeper than 64 levels"), deep.getMessage());
    }

    @Test
    void refusesDeepNotChains() {
        String expression = "NOT ".repeat(Sql92Expression.MAX_DEPTH + 1) + "a = 5";
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> Sql92Expression.compile(expression));
        assertEquals("SQL92 expression: nesting deeper than 64 levels at offset 256", e.getMessage());

        String mixed = "NOT (".repeat(40) + "a = 5" + ")".repeat(40);
        assertTrue(assertThrows(FilterExpressionException.class, () -> Sql92Expression.compile(mixed))
                .getMessage().contains("nesting deeper than 64"));
    }
}
