package dev.grpcbalancer.deploy;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Just enough of PromQL to tell what an expression reads: its series selectors (metric name and
 * label matchers) and the labels it groups by ({@code by (...)}, {@code on (...)}). Grafana's
 * variables ({@code $__rate_interval}, {@code ${x}}) may appear anywhere a value may; matchers
 * whose value holds one are kept with the variable in it. Function names, aggregation operators,
 * keywords, numbers, durations and range brackets are skipped.
 */
final class PromQl {

    /** {@code label op "value"}, op one of {@code = != =~ !~}. */
    record Matcher(String label, String op, String value) {

        Matcher {
            requireNonNull(label, "label");
            requireNonNull(op, "op");
            requireNonNull(value, "value");
        }

        boolean hasVariable() {
            return value.contains("$");
        }
    }

    /** A series selector: {@code metric{matchers}}. */
    record Selector(String metric, List<Matcher> matchers) {

        Selector {
            requireNonNull(metric, "metric");
            matchers = List.copyOf(matchers);
        }
    }

    /** What one expression reads. */
    record Reads(List<Selector> selectors, Set<String> groupedBy) {

        Reads {
            selectors = List.copyOf(selectors);
            groupedBy = Set.copyOf(groupedBy);
        }
    }

    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "without",
            "ignoring", "group_left", "group_right");
    private static final Set<String> GROUPING = Set.of("by", "on");

    private final String text;
    private int at;

    private PromQl(String text) {
        this.text = text;
    }

    /** The selectors and grouping labels of {@code expression}; fails on a malformed matcher list. */
    static Reads read(String expression) {
        return new PromQl(requireNonNull(expression, "expression")).read();
    }

    private Reads read() {
        List<Selector> selectors = new ArrayList<>();
        Set<String> groupedBy = new LinkedHashSet<>();
        while (at < text.length()) {
            char c = text.charAt(at);
            if (Character.isWhitespace(c)) {
                at++;
            } else if (c == '"' || c == '\'' || c == '`') {
                string();
            } else if (c == '[') {
                skipPast(']');
            } else if (c == '$') {
                variable();
            } else if (Character.isDigit(c) || c == '.' && at + 1 < text.length() && Character.isDigit(text.charAt(at + 1))) {
                while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.')) {
                    at++;
                }
            } else if (isIdentifierStart(c)) {
                String word = identifier();
                if (GROUPING.contains(word) || KEYWORDS.contains(word) && nextIs('(')) {
                    List<String> labels = labelList();
                    if (GROUPING.contains(word)) {
                        groupedBy.addAll(labels);
                    }
                } else if (!KEYWORDS.contains(word) && !AGGREGATIONS.contains(word) && !nextIs('(')) {
                    selectors.add(new Selector(word, nextIs('{') ? matchers() : List.of()));
                }
            } else if (c == '{') {
                throw new IllegalArgumentException("a selector without a metric name at " + at + ": " + text);
            } else {
                at++;
            }
        }
        return new Reads(selectors, groupedBy);
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c == ':';
    }

    private String identifier() {
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_'
                || text.charAt(at) == ':')) {
            at++;
        }
        return text.substring(start, at);
    }

    /** Skips white space; true when the next character is {@code c} (not consumed). */
    private boolean nextIs(char c) {
        skipSpace();
        return at < text.length() && text.charAt(at) == c;
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private void variable() {
        at++;
        if (at < text.length() && text.charAt(at) == '{') {
            skipPast('}');
        } else {
            identifier();
        }
    }

    private void skipPast(char end) {
        int found = text.indexOf(end, at);
        if (found < 0) {
            throw new IllegalArgumentException("no closing " + end + " after " + at + ": " + text);
        }
        at = found + 1;
    }

    /** {@code (a, b, c)} after by/on/ignoring/...: the label names. */
    private List<String> labelList() {
        List<String> labels = new ArrayList<>();
        if (!nextIs('(')) {
            throw new IllegalArgumentException("expected ( at " + at + ": " + text);
        }
        at++;
        while (!nextIs(')')) {
            labels.add(identifier());
            if (nextIs(',')) {
                at++;
            } else if (!nextIs(')')) {
                throw new IllegalArgumentException("expected , or ) at " + at + ": " + text);
            }
        }
        at++;
        return labels;
    }

    private List<Matcher> matchers() {
        List<Matcher> matchers = new ArrayList<>();
        at++; // {
        while (!nextIs('}')) {
            skipSpace();
            String label = identifier();
            if (label.isEmpty()) {
                throw new IllegalArgumentException("expected a label name at " + at + ": " + text);
            }
            skipSpace();
            String op = text.startsWith("=~", at) || text.startsWith("!~", at) || text.startsWith("!=", at)
                    ? text.substring(at, at + 2) : text.startsWith("=", at) ? "=" : null;
            if (op == null) {
                throw new IllegalArgumentException("expected a matcher operator at " + at + ": " + text);
            }
            at += op.length();
            skipSpace();
            matchers.add(new Matcher(label, op, string()));
            if (nextIs(',')) {
                at++;
            } else if (!nextIs('}')) {
                throw new IllegalArgumentException("expected , or } at " + at + ": " + text);
            }
        }
        at++;
        return matchers;
    }

    /** A quoted string at {@code at}, unescaped (Go's escapes as PromQL has them, raw in backquotes). */
    private String string() {
        char quote = text.charAt(at);
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw new IllegalArgumentException("expected a quoted string at " + at + ": " + text);
        }
        StringBuilder value = new StringBuilder();
        at++;
        while (at < text.length() && text.charAt(at) != quote) {
            char c = text.charAt(at++);
            if (c == '\\' && quote != '`' && at < text.length()) {
                char escaped = text.charAt(at++);
                value.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> escaped;
                });
            } else {
                value.append(c);
            }
        }
        if (at >= text.length()) {
            throw new IllegalArgumentException("unterminated string: " + text);
        }
        at++;
        return value.toString();
    }
}
