package io.magnetar.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Splits a SQL92 filter expression into tokens; runs once per subscribe, never per message. */
final class Sql92Lexer {
    enum Kind {
        IDENTIFIER, STRING, NUMBER, LEFT_PAREN, RIGHT_PAREN, COMMA, PLUS, MINUS,
        EQ, NE, LT, LE, GT, GE,
        AND, OR, NOT, BETWEEN, IN, IS, NULL, TRUE, FALSE,
        END
    }

    /**
     * @param value  the identifier name, the decoded string literal, the digits of a number, else the source
     * @param source the text as written, for error messages
     */
    record Token(Kind kind, String value, String source, int offset) {
        String describe() {
            return kind == Kind.END ? "end of expression" : "token '" + source + "'";
        }
    }

    private static final Map<String, Kind> KEYWORDS = Map.of(
            "AND", Kind.AND, "OR", Kind.OR, "NOT", Kind.NOT, "BETWEEN", Kind.BETWEEN, "IN", Kind.IN,
            "IS", Kind.IS, "NULL", Kind.NULL, "TRUE", Kind.TRUE, "FALSE", Kind.FALSE);

    private final String text;
    private int pos;

    private Sql92Lexer(String text) {
        this.text = text;
    }

    static List<Token> tokenize(String text) {
        return new Sql92Lexer(text).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            if (pos == text.length()) {
                tokens.add(new Token(Kind.END, "", "", pos));
                return tokens;
            }
            tokens.add(next());
        }
    }

    private Token next() {
        int start = pos;
        char c = text.charAt(pos);
        if (isIdentifierStart(c)) {
            while (pos < text.length() && isIdentifierPart(text.charAt(pos))) {
                pos++;
            }
            String word = text.substring(start, pos);
            Kind keyword = KEYWORDS.get(word.toUpperCase(Locale.ROOT));
            return new Token(keyword == null ? Kind.IDENTIFIER : keyword, word, word, start);
        }
        if (isDigit(c) || (c == '.' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1)))) {
            return number(start);
        }
        if (c == '\'') {
            return string(start);
        }
        pos++;
        switch (c) {
            case '(': return symbol(Kind.LEFT_PAREN, start);
            case ')': return symbol(Kind.RIGHT_PAREN, start);
            case ',': return symbol(Kind.COMMA, start);
            case '+': return symbol(Kind.PLUS, start);
            case '-': return symbol(Kind.MINUS, start);
            case '=': return symbol(Kind.EQ, start);
            case '<':
                if (pos < text.length() && text.charAt(pos) == '>') {
                    pos++;
                    return symbol(Kind.NE, start);
                }
                if (pos < text.length() && text.charAt(pos) == '=') {
                    pos++;
                    return symbol(Kind.LE, start);
                }
                return symbol(Kind.LT, start);
            case '>':
                if (pos < text.length() && text.charAt(pos) == '=') {
                    pos++;
                    return symbol(Kind.GE, start);
                }
                return symbol(Kind.GT, start);
            default:
                throw Sql92Parser.error("unexpected character '" + c + "' at offset " + start);
        }
    }

    private Token symbol(Kind kind, int start) {
        String source = text.substring(start, pos);
        return new Token(kind, source, source, start);
    }

    private Token number(int start) {
        while (pos < text.length() && isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '.') {
            pos++;
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            int exponentStart = pos;
            while (pos < text.length() && isDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos == exponentStart) {
                throw invalidNumber(start);
            }
        }
        // "12abc" or "1.2.3" is a typo, not a number followed by an identifier.
        if (pos < text.length() && (isIdentifierPart(text.charAt(pos)))) {
            while (pos < text.length() && isIdentifierPart(text.charAt(pos))) {
                pos++;
            }
            throw invalidNumber(start);
        }
        String digits = text.substring(start, pos);
        return new Token(Kind.NUMBER, digits, digits, start);
    }

    private FilterExpressionException invalidNumber(int start) {
        return Sql92Parser.error("invalid numeric literal '" + text.substring(start, pos) + "' at offset " + start);
    }

    private Token string(int start) {
        StringBuilder value = new StringBuilder();
        pos++;
        while (true) {
            if (pos == text.length()) {
                throw Sql92Parser.error("unterminated string literal starting at offset " + start);
            }
            char c = text.charAt(pos++);
            if (c == '\'') {
                if (pos < text.length() && text.charAt(pos) == '\'') {
                    value.append('\'');
                    pos++;
                } else {
                    return new Token(Kind.STRING, value.toString(), text.substring(start, pos), start);
                }
            } else {
                value.append(c);
            }
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c) || c == '.';
    }
}
