package io.magnetar.filter;

import io.magnetar.api.MessageKeys;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * RocketMQ tag filter: {@code *} (or blank) matches every message; otherwise {@code TagA || TagB} matches a
 * message whose single tag (property {@value #TAG_PROPERTY}) equals one of the listed tags, case-sensitively.
 *
 * <p>Stricter than RocketMQ, which silently drops empty parts such as in {@code "TagA ||"}: malformed lists are
 * refused so that a client typo does not silently change what it receives.
 */
public final class TagExpression implements MessageFilter {
    public static final String TAG_PROPERTY = MessageKeys.TAGS;
    public static final String MATCH_ALL = "*";
    static final int MAX_LENGTH = 4096;
    // Beyond this many tags a hash set beats a linear scan of equals().
    private static final int SET_THRESHOLD = 8;

    private final String expression;
    private final boolean matchAll;
    private final String[] tags;
    private final Set<String> tagSet;

    private TagExpression(String expression, boolean matchAll, String[] tags) {
        this.expression = expression;
        this.matchAll = matchAll;
        this.tags = tags;
        this.tagSet = tags.length > SET_THRESHOLD ? Set.of(tags) : null;
    }

    public static TagExpression compile(String expression) {
        if (expression == null || expression.isBlank() || expression.trim().equals(MATCH_ALL)) {
            return new TagExpression(expression == null ? MATCH_ALL : expression, true, new String[0]);
        }
        if (expression.length() > MAX_LENGTH) {
            throw error("expression is " + expression.length() + " characters long, the limit is " + MAX_LENGTH);
        }
        Set<String> tags = new LinkedHashSet<>();
        int length = expression.length();
        int pos = skipWhitespace(expression, 0);
        while (true) {
            if (pos == length || expression.charAt(pos) == '|') {
                throw error("empty tag at offset " + pos);
            }
            int start = pos;
            while (pos < length && !Character.isWhitespace(expression.charAt(pos)) && expression.charAt(pos) != '|') {
                pos++;
            }
            String tag = expression.substring(start, pos);
            if (tag.equals(MATCH_ALL)) {
                throw error("'*' at offset " + start + " cannot be combined with other tags");
            }
            tags.add(tag);
            pos = skipWhitespace(expression, pos);
            if (pos == length) {
                break;
            }
            if (expression.charAt(pos) != '|') {
                throw error("unexpected '" + expression.charAt(pos) + "' at offset " + pos
                        + ": a tag cannot contain whitespace and tags are separated by '||'");
            }
            if (pos + 1 == length || expression.charAt(pos + 1) != '|') {
                throw error("single '|' at offset " + pos + ": tags are separated by '||'");
            }
            pos = skipWhitespace(expression, pos + 2);
        }
        return new TagExpression(expression, false, tags.toArray(new String[0]));
    }

    private static int skipWhitespace(String s, int pos) {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        return pos;
    }

    private static FilterExpressionException error(String problem) {
        return new FilterExpressionException("tag expression: " + problem);
    }

    public boolean matchesAll() {
        return matchAll;
    }

    /** The tags a message must carry one of; empty when this expression matches everything. */
    public Set<String> tags() {
        return Set.of(tags);
    }

    @Override
    public boolean matches(PropertyLookup properties) {
        if (matchAll) {
            return true;
        }
        String tag = properties.get(TAG_PROPERTY);
        if (tag == null) {
            return false;
        }
        if (tagSet != null) {
            return tagSet.contains(tag);
        }
        for (String candidate : tags) {
            if (candidate.equals(tag)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String type() {
        return "TAG";
    }

    @Override
    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return "TAG[" + expression + "]";
    }
}
