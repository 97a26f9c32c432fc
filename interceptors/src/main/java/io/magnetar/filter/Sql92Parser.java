package io.magnetar.filter;

import io.magnetar.filter.Sql92Lexer.Kind;
import io.magnetar.filter.Sql92Lexer.Token;
import io.magnetar.filter.Sql92Node.NumberLiteral;
import io.magnetar.filter.Sql92Node.Operator;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for RocketMQ's SQL92 filter grammar. Precedence, loosest first: OR, AND, NOT,
 * then comparisons ({@code = <> < <= > >=}, {@code [NOT] BETWEEN}, {@code [NOT] IN}, {@code IS [NOT] NULL}).
 *
 * <pre>
 * or        := and (OR and)*
 * and       := unary (AND unary)*
 * unary     := NOT unary | '(' or ')' | TRUE | FALSE | predicate
 * predicate := operand ( compare operand | [NOT] BETWEEN number AND number
 *                      | [NOT] IN '(' string (',' string)* ')' | IS [NOT] NULL )
 * operand   := identifier | string | [+-] number | TRUE | FALSE
 * </pre>
 *
 * Type errors a literal makes visible (ordering a string, comparing a string with a number) are refused here,
 * as RocketMQ does, so that evaluation never has to fail.
 */
final class Sql92Parser {
    static final int MAX_LENGTH = 4096;
    static final int MAX_DEPTH = 64;

    private final List<Token> tokens;
    private int index;
    private int depth;

    private Sql92Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static FilterExpressionException error(String problem) {
        return new FilterExpressionException("SQL92 expression: " + problem);
    }

    static Sql92Node parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw error("empty expression");
        }
        if (expression.length() > MAX_LENGTH) {
            throw error("expression is " + expression.length() + " characters long, the limit is " + MAX_LENGTH);
        }
        Sql92Parser parser = new Sql92Parser(Sql92Lexer.tokenize(expression));
        Sql92Node root = parser.or();
        parser.expect(Kind.END, "AND, OR or the end of the expression");
        return root;
    }

    private Token peek() {
        return tokens.get(index);
    }

    private Token peekAhead() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    private boolean accept(Kind kind) {
        if (peek().kind() == kind) {
            index++;
            return true;
        }
        return false;
    }

    private Token expect(Kind kind, String expected) {
        Token token = peek();
        if (token.kind() != kind) {
            throw unexpected(token, expected);
        }
        index++;
        return token;
    }

    private static FilterExpressionException unexpected(Token token, String expected) {
        return error("unexpected " + token.describe() + " at offset " + token.offset() + ", expected " + expected);
    }

    private Sql92Node or() {
        List<Sql92Node> operands = new ArrayList<>();
        operands.add(and());
        while (accept(Kind.OR)) {
            operands.add(and());
        }
        return operands.size() == 1 ? operands.get(0) : new Sql92Node.Or(operands.toArray(new Sql92Node[0]));
    }

    private Sql92Node and() {
        List<Sql92Node> operands = new ArrayList<>();
        operands.add(unary());
        while (accept(Kind.AND)) {
            operands.add(unary());
        }
        return operands.size() == 1 ? operands.get(0) : new Sql92Node.And(operands.toArray(new Sql92Node[0]));
    }

    private Sql92Node unary() {
        Token token = peek();
        if (token.kind() == Kind.NOT || token.kind() == Kind.LEFT_PAREN) {
            // Both recurse; bounding them bounds the parser's stack and the compiled tree's depth.
            if (++depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels at offset " + token.offset());
            }
            index++;
            Sql92Node result;
            if (token.kind() == Kind.NOT) {
                result = new Sql92Node.Not(unary());
            } else {
                result = or();
                expect(Kind.RIGHT_PAREN, "')' closing the '(' at offset " + token.offset());
            }
            depth--;
            return result;
        }
        if ((token.kind() == Kind.TRUE || token.kind() == Kind.FALSE) && !isComparison(peekAhead().kind())) {
            index++;
            return new Sql92Node.Constant(token.kind() == Kind.TRUE ? Sql92Node.TRUE : Sql92Node.FALSE);
        }
        return predicate();
    }

    private static boolean isComparison(Kind kind) {
        return operator(kind) != null;
    }

    private static Operator operator(Kind kind) {
        return switch (kind) {
            case EQ -> Operator.EQ;
            case NE -> Operator.NE;
            case LT -> Operator.LT;
            case LE -> Operator.LE;
            case GT -> Operator.GT;
            case GE -> Operator.GE;
            default -> null;
        };
    }

    /** A comparison operand: exactly one of the fields is set, except for booleans. */
    private record Operand(Token token, String property, String string, NumberLiteral number, Boolean bool) {
        String describe() {
            if (property != null) {
                return "property " + property;
            }
            if (string != null) {
                return "string literal " + token.source();
            }
            return (number != null ? "numeric literal " : "boolean literal ") + token.source();
        }
    }

    private Operand operand() {
        Token token = peek();
        switch (token.kind()) {
            case IDENTIFIER:
                index++;
                return new Operand(token, token.value(), null, null, null);
            case STRING:
                index++;
                return new Operand(token, null, token.value(), null, null);
            case TRUE:
            case FALSE:
                index++;
                return new Operand(token, null, null, null, token.kind() == Kind.TRUE);
            case NUMBER:
            case PLUS:
            case MINUS:
                return new Operand(token, null, null, number(), null);
            default:
                throw unexpected(token, "a property name, a literal, NOT or '('");
        }
    }

    private NumberLiteral number() {
        Token first = peek();
        boolean negative = false;
        if (first.kind() == Kind.PLUS || first.kind() == Kind.MINUS) {
            negative = first.kind() == Kind.MINUS;
            index++;
        }
        Token digits = expect(Kind.NUMBER, "a numeric literal");
        // The sign joins the digits before range checking so that the most negative long is accepted.
        String text = (negative ? "-" : "") + digits.value();
        int kind = NumericText.classify(text);
        if (kind == NumericText.LONG) {
            return new NumberLiteral(true, Long.parseLong(text), 0);
        }
        // An integer that does not fit a long is refused rather than silently read as a rounded double.
        boolean integral = digits.value().indexOf('.') < 0 && digits.value().indexOf('e') < 0
                && digits.value().indexOf('E') < 0;
        double value = kind == NumericText.DOUBLE ? Double.parseDouble(text) : Double.NaN;
        if (integral || Double.isNaN(value) || Double.isInfinite(value)) {
            throw error("numeric literal '" + text + "' at offset " + first.offset() + " is out of range");
        }
        return new NumberLiteral(false, 0, value);
    }

    private Sql92Node predicate() {
        Operand left = operand();
        Token token = peek();
        Operator operator = operator(token.kind());
        if (operator != null) {
            index++;
            return comparison(left, operator, token, operand());
        }
        boolean negated = false;
        if (token.kind() == Kind.NOT) {
            negated = true;
            index++;
            token = peek();
            if (token.kind() != Kind.BETWEEN && token.kind() != Kind.IN) {
                throw unexpected(token, "BETWEEN or IN after NOT");
            }
        }
        switch (token.kind()) {
            case BETWEEN:
                index++;
                return between(left, token, negated);
            case IN:
                index++;
                return in(left, token, negated);
            case IS:
                index++;
                boolean notNull = accept(Kind.NOT);
                expect(Kind.NULL, notNull ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
                return new Sql92Node.IsNull(requireProperty(left, token, "IS NULL"), notNull);
            default:
                throw unexpected(token, "a comparison operator, BETWEEN, IN or IS after " + left.describe());
        }
    }

    private static String requireProperty(Operand operand, Token operatorToken, String operatorName) {
        if (operand.property() == null) {
            throw error(operatorName + " at offset " + operatorToken.offset() + " needs a property on its left, got "
                    + operand.describe());
        }
        return operand.property();
    }

    private Sql92Node between(Operand left, Token betweenToken, boolean negated) {
        String property = requireProperty(left, betweenToken, "BETWEEN");
        Token lowToken = peek();
        NumberLiteral low = boundOf(lowToken);
        expect(Kind.AND, "AND between the BETWEEN bounds");
        NumberLiteral high = boundOf(peek());
        if (low.compareTo(high) > 0) {
            throw error("BETWEEN at offset " + betweenToken.offset() + " has its lower bound " + low
                    + " above its upper bound " + high);
        }
        return new Sql92Node.Between(property, low, high, negated);
    }

    private NumberLiteral boundOf(Token token) {
        if (token.kind() != Kind.NUMBER && token.kind() != Kind.PLUS && token.kind() != Kind.MINUS) {
            throw unexpected(token, "a numeric literal as BETWEEN bound");
        }
        return number();
    }

    private Sql92Node in(Operand left, Token inToken, boolean negated) {
        String property = requireProperty(left, inToken, "IN");
        expect(Kind.LEFT_PAREN, "'(' after IN");
        Set<String> values = new LinkedHashSet<>();
        do {
            values.add(expect(Kind.STRING, "a string literal in the IN list").value());
        } while (accept(Kind.COMMA));
        expect(Kind.RIGHT_PAREN, "',' or ')' in the IN list");
        return new Sql92Node.In(property, values.toArray(new String[0]), negated);
    }

    private Sql92Node comparison(Operand left, Operator operator, Token operatorToken, Operand right) {
        if (left.property() == null && right.property() != null) {
            return comparison(right, operator.swapped(), operatorToken, left);
        }
        String where = "operator '" + operator.symbol + "' at offset " + operatorToken.offset();
        if (operator.isOrdering() && (isTextual(left) || isTextual(right))) {
            throw error(where + " compares numbers only, got "
                    + (isTextual(left) ? left : right).describe());
        }
        if (left.property() != null) {
            String property = left.property();
            boolean equal = operator == Operator.EQ;
            if (right.property() != null) {
                return new Sql92Node.PropertyVsProperty(property, operator, right.property());
            }
            if (right.number() != null) {
                return new Sql92Node.PropertyVsNumber(property, operator, right.number());
            }
            if (right.string() != null) {
                return new Sql92Node.PropertyVsString(property, equal, right.string());
            }
            return new Sql92Node.PropertyVsBoolean(property, equal, right.bool());
        }
        return new Sql92Node.Constant(Sql92Node.of(operator.test(compareLiterals(left, right, where))));
    }

    private static boolean isTextual(Operand operand) {
        return operand.string() != null || operand.bool() != null;
    }

    private static int compareLiterals(Operand left, Operand right, String where) {
        if (left.number() != null && right.number() != null) {
            return left.number().compareTo(right.number());
        }
        if (left.string() != null && right.string() != null) {
            return left.string().equals(right.string()) ? 0 : 1;
        }
        if (left.bool() != null && right.bool() != null) {
            return left.bool().equals(right.bool()) ? 0 : 1;
        }
        throw error(where + " cannot compare " + left.describe() + " with " + right.describe());
    }
}
