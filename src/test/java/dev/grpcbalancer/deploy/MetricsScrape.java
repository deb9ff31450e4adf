package dev.grpcbalancer.deploy;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A {@code /metrics} page (Prometheus text format) as series: per metric name (as Prometheus
 * stores it, e.g. {@code x_bucket}), the label sets of its samples.
 */
record MetricsScrape(Map<String, List<Map<String, String>>> series) {

    MetricsScrape {
        series = Map.copyOf(series);
    }

    static MetricsScrape parse(String page) {
        requireNonNull(page, "page");
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        for (String line : page.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            Map<String, String> labels = end < line.length() && line.charAt(end) == '{' ? labels(line, end + 1) : Map.of();
            series.computeIfAbsent(line.substring(0, end), name -> new ArrayList<>()).add(labels);
        }
        return new MetricsScrape(series);
    }

    private static Map<String, String> labels(String line, int from) {
        Map<String, String> labels = new LinkedHashMap<>();
        int at = from;
        while (line.charAt(at) != '}') {
            int eq = line.indexOf('=', at);
            String name = line.substring(at, eq);
            StringBuilder value = new StringBuilder();
            at = eq + 2; // past ="
            while (line.charAt(at) != '"') {
                char c = line.charAt(at++);
                if (c == '\\') {
                    char escaped = line.charAt(at++);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
            labels.put(name, value.toString());
            at++; // closing quote
            if (line.charAt(at) == ',') {
                at++;
            }
        }
        return labels;
    }

    boolean has(String metric) {
        return series.containsKey(metric);
    }

    /** Whether some sample of {@code metric} carries {@code label}. */
    boolean hasLabel(String metric, String label) {
        return series.getOrDefault(metric, List.of()).stream().anyMatch(s -> s.containsKey(label));
    }

    /** A value of {@code label} on {@code metric} that matcher {@code op value} selects, if any sample has one. */
    Optional<String> matching(String metric, String label, String op, String value) {
        Pattern regex = op.endsWith("~") ? Pattern.compile(value) : null;
        return series.getOrDefault(metric, List.of()).stream()
                .map(s -> s.get(label))
                .filter(v -> v != null && (op.equals("=") ? v.equals(value) : regex != null && regex.matcher(v).matches()))
                .findFirst();
    }
}
