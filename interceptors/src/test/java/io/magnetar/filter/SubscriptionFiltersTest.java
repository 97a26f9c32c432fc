package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubscriptionFiltersTest {
    @Test
    void noFilterKeyMeansUnfiltered() {
        assertEquals(Optional.empty(), SubscriptionFilters.fromSubscriptionProperties(Map.of()));
        assertEquals(Optional.empty(), SubscriptionFilters.fromSubscriptionProperties(Map.of("other", "x")));
        assertEquals(Optional.empty(), SubscriptionFilters.fromSubscriptionProperties(null));
    }

    @Test
    void nullValueCountsAsAbsent() {
        Map<String, String> properties = new HashMap<>();
        properties.put("TAGS", null);
        properties.put("SQL92", "a = 1");
        MessageFilter filter = SubscriptionFilters.fromSubscriptionProperties(properties).orElseThrow();
        assertEquals("SQL92", filter.type());
    }

    @Test
    void matchAllTagsMeansUnfiltered() {
        assertEquals(Optional.empty(), SubscriptionFilters.fromSubscriptionProperties(Map.of("TAGS", "*")));
        assertEquals(Optional.empty(), SubscriptionFilters.fromSubscriptionProperties(Map.of("TAGS", " ")));
    }

    @Test
    void compilesTagExpression() {
        MessageFilter filter = SubscriptionFilters.fromSubscriptionProperties(Map.of("TAGS", "TagA || TagB"))
                .orElseThrow();
        assertInstanceOf(TagExpression.class, filter);
        assertEquals("TagA || TagB", filter.expression());
        assertTrue(filter.matches(PropertyLookup.of(Map.of("TAGS", "TagB"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of("TAGS", "TagC"))));
    }

    @Test
    void compilesSql92Expression() {
        MessageFilter filter = SubscriptionFilters.fromSubscriptionProperties(Map.of("SQL92", "a BETWEEN 1 AND 3"))
                .orElseThrow();
        assertInstanceOf(Sql92Expression.class, filter);
        assertEquals("SQL92[a BETWEEN 1 AND 3]", filter.toString());
        assertTrue(filter.matches(PropertyLookup.of(Map.of("a", "2"))));
        assertFalse(filter.matches(PropertyLookup.of(Map.of("a", "4"))));
    }

    @Test
    void refusesBothKeys() {
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> SubscriptionFilters.fromSubscriptionProperties(Map.of("TAGS", "TagA", "SQL92", "a = 1")));
        assertEquals("subscription filter: both TAGS and SQL92 are set, use only one", e.getMessage());
    }

    @Test
    void propagatesRefusedExpressions() {
        FilterExpressionException sql = assertThrows(FilterExpressionException.class,
                () -> SubscriptionFilters.fromSubscriptionProperties(Map.of("SQL92", "a = ")));
        assertTrue(sql.getMessage().startsWith("SQL92 expression: unexpected end of expression at offset 4"),
                sql.getMessage());
        FilterExpressionException blank = assertThrows(FilterExpressionException.class,
                () -> SubscriptionFilters.fromSubscriptionProperties(Map.of("SQL92", "  ")));
        assertEquals("SQL92 expression: empty expression", blank.getMessage());
        FilterExpressionException tags = assertThrows(FilterExpressionException.class,
                () -> SubscriptionFilters.fromSubscriptionProperties(Map.of("TAGS", "A ||")));
        assertTrue(tags.getMessage().contains("empty tag at offset 4"), tags.getMessage());
    }
}
