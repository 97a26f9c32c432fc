package io.magnetar.filter;

import io.magnetar.api.SubscriptionKeys;
import java.util.Map;
import java.util.Optional;

/** Builds the filter a consumer asked for through its subscription properties. */
public final class SubscriptionFilters {
    public static final String TAG_KEY = SubscriptionKeys.TAGS;
    public static final String SQL92_KEY = SubscriptionKeys.SQL92;

    private SubscriptionFilters() {
    }

    /**
     * Reads {@value #TAG_KEY} or {@value #SQL92_KEY} (a key with a null value counts as absent).
     *
     * @return the compiled filter, or empty when the subscription is unfiltered: no filter key, or a tag
     *         expression that matches everything ({@code *} or blank)
     * @throws FilterExpressionException when both keys are present or the expression is refused
     */
    public static Optional<MessageFilter> fromSubscriptionProperties(Map<String, String> properties) {
        if (properties == null) {
            return Optional.empty();
        }
        String tags = properties.get(TAG_KEY);
        String sql = properties.get(SQL92_KEY);
        if (tags != null && sql != null) {
            throw new FilterExpressionException(
                    "subscription filter: both " + TAG_KEY + " and " + SQL92_KEY + " are set, use only one");
        }
        if (sql != null) {
            return Optional.of(Sql92Expression.compile(sql));
        }
        if (tags != null) {
            TagExpression expression = TagExpression.compile(tags);
            return expression.matchesAll() ? Optional.empty() : Optional.of(expression);
        }
        return Optional.empty();
    }
}
