package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TagExpressionTest {
    private static final String MANY_TAGS = IntStream.range(0, 20).mapToObj(i -> "T" + i)
            .collect(Collectors.joining(" || "));

    static Stream<Arguments> matching() {
        return Stream.of(
                Arguments.of("*", null, true),
                Arguments.of("*", "TagA", true),
                Arguments.of(" * ", "TagA", true),
                Arguments.of("", null, true),
                Arguments.of("   ", "TagA", true),
                Arguments.of(null, null, true),
                Arguments.of("TagA", "TagA", true),
                Arguments.of("TagA", "taga", false),
                Arguments.of("TagA", "TagAB", false),
                Arguments.of("TagA", null, false),
                Arguments.of("TagA", "", false),
                Arguments.of("TagA || TagB", "TagB", true),
                Arguments.of("TagA||TagB", "TagA", true),
                Arguments.of("  TagA  ||\tTagB  ", "TagB", true),
                Arguments.of("TagA || TagB", "TagC", false),
                Arguments.of("TagA || TagB", null, false),
                Arguments.of("Tag.A-1_x || 标签", "标签", true),
                Arguments.of(MANY_TAGS, "T19", true),
                Arguments.of(MANY_TAGS, "T0", true),
                Arguments.of(MANY_TAGS, "T20", false),
                Arguments.of(MANY_TAGS, null, false));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" with tag {1} -> {2}")
    @MethodSource("matching")
    void matches(String expression, String messageTag, boolean expected) {
        Map<String, String> properties = new HashMap<>();
        properties.put("other", "x");
        if (messageTag != null) {
            properties.put(TagExpression.TAG_PROPERTY, messageTag);
        }
        assertEquals(expected, TagExpression.compile(expression).matches(PropertyLookup.of(properties)));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("TagA ||", "empty tag at offset 7"),
                Arguments.of("TagA || ", "empty tag at offset 8"),
                Arguments.of("|| TagB", "empty tag at offset 0"),
                Arguments.of("  ||TagB", "empty tag at offset 2"),
                Arguments.of("TagA || || TagB", "empty tag at offset 8"),
                Arguments.of("TagA |||TagB", "empty tag at offset 7"),
                Arguments.of("Tag A", "unexpected 'A' at offset 4: a tag cannot contain whitespace"),
                Arguments.of("TagA TagB", "unexpected 'T' at offset 5"),
                Arguments.of("TagA | TagB", "single '|' at offset 5: tags are separated by '||'"),
                Arguments.of("TagA|TagB", "single '|' at offset 4"),
                Arguments.of("TagA |", "single '|' at offset 5"),
                Arguments.of("TagA || *", "'*' at offset 8 cannot be combined with other tags"),
                Arguments.of("* || TagA", "'*' at offset 0 cannot be combined"),
                Arguments.of("T".repeat(4097), "4097 characters long, the limit is 4096"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("refusals")
    void refuses(String expression, String expectedProblem) {
        FilterExpressionException e = assertThrows(FilterExpressionException.class,
                () -> TagExpression.compile(expression));
        assertTrue(e.getMessage().startsWith("tag expression: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedProblem), e.getMessage());
    }

    @Test
    void exposesTagsDeduplicatedAndWhetherItMatchesAll() {
        TagExpression expression = TagExpression.compile("TagA || TagB || TagA");
        assertEquals(Set.of("TagA", "TagB"), expression.tags());
        assertFalse(expression.matchesAll());
        assertEquals("TAG", expression.type());
        assertEquals("TagA || TagB || TagA", expression.expression());

        TagExpression all = TagExpression.compile("*");
        assertTrue(all.matchesAll());
        assertEquals(Set.of(), all.tags());
    }

    @Test
    void readsOnlyTheTagProperty() {
        TagExpression expression = TagExpression.compile("TagA");
        List<String> asked = new ArrayList<>();
        assertTrue(expression.matches(name -> {
            asked.add(name);
            return "TagA";
        }));
        assertEquals(List.of("TAGS"), asked);
    }

    @Test
    void refusalIsAnIllegalArgumentException() {
        assertThrows(IllegalArgumentException.class, () -> TagExpression.compile("A | B"));
    }
}
