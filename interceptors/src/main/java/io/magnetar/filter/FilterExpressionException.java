package io.magnetar.filter;

/**
 * A subscription filter expression was refused at compile time. The message is meant to be shown to the
 * client whose subscribe is refused, e.g. {@code SQL92 expression: unexpected token 'AND' at offset 12}.
 */
public final class FilterExpressionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public FilterExpressionException(String message) {
        super(message);
    }
}
