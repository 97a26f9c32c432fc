package io.magnetar.filter;

/**
 * RocketMQ SQL92 property filter, compiled once at subscribe time. A message matches only when the
 * expression is TRUE; FALSE and UNKNOWN (NULL or incomparable operands) both mean no match.
 *
 * <p>Comparison rules: a property compared with a numeric literal, or two properties compared with an
 * ordering operator, compare numerically, and text that is not a number makes the comparison UNKNOWN.
 * A property compared with a string literal, or two properties with {@code =}/{@code <>}, compare text exactly.
 * A property compared with TRUE/FALSE matches the text {@code true}/{@code false} in any case.
 */
public final class Sql92Expression implements MessageFilter {
    public static final int MAX_LENGTH = Sql92Parser.MAX_LENGTH;
    public static final int MAX_DEPTH = Sql92Parser.MAX_DEPTH;

    private final String expression;
    private final Sql92Node root;

    private Sql92Expression(String expression, Sql92Node root) {
        this.expression = expression;
        this.root = root;
    }

    /** @throws FilterExpressionException naming the problem and its offset when the expression is refused */
    public static Sql92Expression compile(String expression) {
        return new Sql92Expression(expression, Sql92Parser.parse(expression));
    }

    @Override
    public boolean matches(PropertyLookup properties) {
        return root.evaluate(properties) == Sql92Node.TRUE;
    }

    @Override
    public String type() {
        return "SQL92";
    }

    @Override
    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return "SQL92[" + expression + "]";
    }
}
