package io.magnetar.filter;

import java.util.Set;

/**
 * Compiled SQL92 predicate tree. Evaluation uses SQL three-valued logic encoded as ints so that the hot
 * path never boxes: {@link #TRUE}, {@link #FALSE} or {@link #UNKNOWN} (a NULL or incomparable operand).
 */
abstract class Sql92Node {
    static final int FALSE = 0;
    static final int TRUE = 1;
    static final int UNKNOWN = 2;

    abstract int evaluate(PropertyLookup properties);

    static int not(int value) {
        return value == UNKNOWN ? UNKNOWN : (value == TRUE ? FALSE : TRUE);
    }

    static int of(boolean value) {
        return value ? TRUE : FALSE;
    }

    enum Operator {
        EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        boolean isOrdering() {
            return this != EQ && this != NE;
        }

        /** Applies this operator to the sign of (left - right). */
        boolean test(int comparison) {
            return switch (this) {
                case EQ -> comparison == 0;
                case NE -> comparison != 0;
                case LT -> comparison < 0;
                case LE -> comparison <= 0;
                case GT -> comparison > 0;
                case GE -> comparison >= 0;
            };
        }

        /** The operator giving the same result with the operands swapped. */
        Operator swapped() {
            return switch (this) {
                case LT -> GT;
                case LE -> GE;
                case GT -> LT;
                case GE -> LE;
                case EQ, NE -> this;
            };
        }
    }

    /** A numeric literal, already range-checked. */
    static final class NumberLiteral {
        final boolean isLong;
        final long longValue;
        final double doubleValue;

        NumberLiteral(boolean isLong, long longValue, double doubleValue) {
            this.isLong = isLong;
            this.longValue = longValue;
            this.doubleValue = doubleValue;
        }

        int compareTo(NumberLiteral other) {
            return other.compareFrom(isLong, longValue, doubleValue);
        }

        /** Sign of (value - this literal), value being a long when valueIsLong, else a double. */
        int compareFrom(boolean valueIsLong, long valueLong, double valueDouble) {
            return NumericText.compare(valueIsLong, valueLong, valueDouble, isLong, longValue, doubleValue);
        }

        @Override
        public String toString() {
            return isLong ? Long.toString(longValue) : Double.toString(doubleValue);
        }
    }

    static final class Constant extends Sql92Node {
        final int value;

        Constant(int value) {
            this.value = value;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            return value;
        }
    }

    static final class And extends Sql92Node {
        private final Sql92Node[] operands;

        And(Sql92Node[] operands) {
            this.operands = operands;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            int result = TRUE;
            for (Sql92Node operand : operands) {
                int value = operand.evaluate(properties);
                if (value == FALSE) {
                    return FALSE;
                }
                if (value == UNKNOWN) {
                    result = UNKNOWN;
                }
            }
            return result;
        }
    }

    static final class Or extends Sql92Node {
        private final Sql92Node[] operands;

        Or(Sql92Node[] operands) {
            this.operands = operands;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            int result = FALSE;
            for (Sql92Node operand : operands) {
                int value = operand.evaluate(properties);
                if (value == TRUE) {
                    return TRUE;
                }
                if (value == UNKNOWN) {
                    result = UNKNOWN;
                }
            }
            return result;
        }
    }

    static final class Not extends Sql92Node {
        private final Sql92Node operand;

        Not(Sql92Node operand) {
            this.operand = operand;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            return not(operand.evaluate(properties));
        }
    }

    static final class IsNull extends Sql92Node {
        private final String property;
        private final boolean negated;

        IsNull(String property, boolean negated) {
            this.property = property;
            this.negated = negated;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            return of((properties.get(property) == null) != negated);
        }
    }

    /** property op number: the property text is compared numerically; non-numeric text is UNKNOWN. */
    static final class PropertyVsNumber extends Sql92Node {
        private final String property;
        private final Operator operator;
        private final NumberLiteral number;

        PropertyVsNumber(String property, Operator operator, NumberLiteral number) {
            this.property = property;
            this.operator = operator;
            this.number = number;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String text = properties.get(property);
            if (text == null) {
                return UNKNOWN;
            }
            int kind = NumericText.classify(text);
            if (kind == NumericText.NOT_NUMERIC) {
                return UNKNOWN;
            }
            boolean isLong = kind == NumericText.LONG;
            int comparison = number.compareFrom(
                    isLong, isLong ? Long.parseLong(text) : 0, isLong ? 0 : Double.parseDouble(text));
            return of(operator.test(comparison));
        }
    }

    /** property = 'text' or property <> 'text': exact, case-sensitive string comparison. */
    static final class PropertyVsString extends Sql92Node {
        private final String property;
        private final boolean equal;
        private final String value;

        PropertyVsString(String property, boolean equal, String value) {
            this.property = property;
            this.equal = equal;
            this.value = value;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String text = properties.get(property);
            return text == null ? UNKNOWN : of(value.equals(text) == equal);
        }
    }

    /** property = TRUE/FALSE: the text must be "true" or "false" (any case), anything else is UNKNOWN. */
    static final class PropertyVsBoolean extends Sql92Node {
        private final String property;
        private final boolean equal;
        private final boolean value;

        PropertyVsBoolean(String property, boolean equal, boolean value) {
            this.property = property;
            this.equal = equal;
            this.value = value;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String text = properties.get(property);
            if (text == null) {
                return UNKNOWN;
            }
            boolean actual;
            if (text.equalsIgnoreCase("true")) {
                actual = true;
            } else if (text.equalsIgnoreCase("false")) {
                actual = false;
            } else {
                return UNKNOWN;
            }
            return of((actual == value) == equal);
        }
    }

    /**
     * property op property: = and <> compare the texts; ordering operators compare numerically and are
     * UNKNOWN unless both texts are numbers.
     */
    static final class PropertyVsProperty extends Sql92Node {
        private final String left;
        private final Operator operator;
        private final String right;

        PropertyVsProperty(String left, Operator operator, String right) {
            this.left = left;
            this.operator = operator;
            this.right = right;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String leftText = properties.get(left);
            String rightText = properties.get(right);
            if (leftText == null || rightText == null) {
                return UNKNOWN;
            }
            if (!operator.isOrdering()) {
                return of(leftText.equals(rightText) == (operator == Operator.EQ));
            }
            int leftKind = NumericText.classify(leftText);
            int rightKind = NumericText.classify(rightText);
            if (leftKind == NumericText.NOT_NUMERIC || rightKind == NumericText.NOT_NUMERIC) {
                return UNKNOWN;
            }
            boolean leftLong = leftKind == NumericText.LONG;
            boolean rightLong = rightKind == NumericText.LONG;
            int comparison = NumericText.compare(
                    leftLong, leftLong ? Long.parseLong(leftText) : 0, leftLong ? 0 : Double.parseDouble(leftText),
                    rightLong, rightLong ? Long.parseLong(rightText) : 0,
                    rightLong ? 0 : Double.parseDouble(rightText));
            return of(operator.test(comparison));
        }
    }

    /** property [NOT] BETWEEN low AND high, numeric and inclusive; the property text is parsed once. */
    static final class Between extends Sql92Node {
        private final String property;
        private final NumberLiteral low;
        private final NumberLiteral high;
        private final boolean negated;

        Between(String property, NumberLiteral low, NumberLiteral high, boolean negated) {
            this.property = property;
            this.low = low;
            this.high = high;
            this.negated = negated;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String text = properties.get(property);
            if (text == null) {
                return UNKNOWN;
            }
            int kind = NumericText.classify(text);
            if (kind == NumericText.NOT_NUMERIC) {
                return UNKNOWN;
            }
            boolean isLong = kind == NumericText.LONG;
            long longValue = isLong ? Long.parseLong(text) : 0;
            double doubleValue = isLong ? 0 : Double.parseDouble(text);
            boolean inRange = low.compareFrom(isLong, longValue, doubleValue) >= 0
                    && high.compareFrom(isLong, longValue, doubleValue) <= 0;
            return of(inRange != negated);
        }
    }

    /** property [NOT] IN ('a', 'b', ...): exact string membership. */
    static final class In extends Sql92Node {
        // Beyond this many values a hash set beats a linear scan of equals().
        private static final int SET_THRESHOLD = 8;

        private final String property;
        private final String[] values;
        private final Set<String> valueSet;
        private final boolean negated;

        In(String property, String[] values, boolean negated) {
            this.property = property;
            this.values = values;
            this.valueSet = values.length > SET_THRESHOLD ? Set.of(values) : null;
            this.negated = negated;
        }

        @Override
        int evaluate(PropertyLookup properties) {
            String text = properties.get(property);
            if (text == null) {
                return UNKNOWN;
            }
            return of(contains(text) != negated);
        }

        private boolean contains(String text) {
            if (valueSet != null) {
                return valueSet.contains(text);
            }
            for (String value : values) {
                if (value.equals(text)) {
                    return true;
                }
            }
            return false;
        }
    }
}
