package io.magnetar.filter;

/**
 * A compiled, immutable subscription filter. {@link #matches} is the per-message hot path: it never throws
 * for any property values and allocates nothing beyond what number parsing unavoidably needs.
 */
public interface MessageFilter {
    boolean matches(PropertyLookup properties);

    /** The expression type as a RocketMQ client names it: {@code TAG} or {@code SQL92}. */
    String type();

    /** The expression text this filter was compiled from. */
    String expression();
}
