package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.Locality;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses {@code spec.staticEndpoints} entries: {@code host:port} with optional suffixes
 * {@code ;weight=N} ({@value Endpoint#MIN_WEIGHT}..{@value Endpoint#MAX_WEIGHT}, default 1) and
 * {@code ;zone=Z} (the endpoint's zone, a Kubernetes label value such as {@code eu-west-1a}), in
 * any order, each at most once. The host is an IPv4 address ({@code 10.0.0.1:50051}), an IPv6
 * address in brackets ({@code [::1]:50052}) or a DNS name ({@code backend.example.com:50051}).
 * Parsed endpoints are {@link EndpointState#READY}; hosts are canonical (lowercase, IPv6
 * compressed).
 */
public final class StaticEndpoints {

    /** The most entries one balancer may list. */
    public static final int MAX_ENTRIES = 1000;

    private static final String WEIGHT_OPTION = "weight=";
    private static final String ZONE_OPTION = "zone=";
    /** A Kubernetes label value, as {@code topology.kubernetes.io/zone} holds. */
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    private StaticEndpoints() {
    }

    /**
     * Parses one entry.
     *
     * @throws IllegalArgumentException with a message for the user (quoting the entry) when the
     *     entry is not valid
     */
    public static Endpoint parse(String entry) {
        requireNonNull(entry, "entry");
        if (entry.isEmpty() || entry.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(entry.isBlank()
                    ? "expected host:port, got \"" + entry + "\""
                    : "must not contain spaces, got \"" + entry + "\"");
        }
        String[] parts = entry.split(";", -1);
        String hostPort = parts[0];
        String host;
        String port;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                throw expectedHostPort(entry);
            }
            host = HostSyntax.canonicalIpv6(hostPort.substring(1, close));
            port = hostPort.substring(close + 2);
        } else {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw expectedHostPort(entry);
            }
            if (hostPort.indexOf(':') != colon) {
                throw new IllegalArgumentException("an IPv6 address must be in brackets, as in [::1]:50051, got \""
                        + entry + "\"");
            }
            host = HostSyntax.canonicalNameOrIpv4(hostPort.substring(0, colon));
            port = hostPort.substring(colon + 1);
        }
        int portNumber = parsePort(entry, port);
        int weight = 1;
        String zone = "";
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i];
            String name = option.startsWith(WEIGHT_OPTION) ? WEIGHT_OPTION
                    : option.startsWith(ZONE_OPTION) ? ZONE_OPTION : null;
            if (name == null) {
                throw new IllegalArgumentException("unknown option \"" + option + "\" in \"" + entry
                        + "\" (the options are weight=N and zone=Z)");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(name + " is given twice in \"" + entry + "\"");
            }
            if (name.equals(WEIGHT_OPTION)) {
                weight = parseWeight(entry, option.substring(WEIGHT_OPTION.length()));
            } else {
                zone = parseZone(entry, option.substring(ZONE_OPTION.length()));
            }
        }
        return new Endpoint(host, portNumber, weight, EndpointState.READY, Locality.inZone(zone));
    }

    /**
     * Parses every entry into a backend set in the canonical order
     * ({@link BalancerTranslator#sortedBackends}).
     *
     * @throws IllegalArgumentException naming the first bad entry ({@code staticEndpoints[index]: message}),
     *     a duplicate address, or more than {@value #MAX_ENTRIES} entries
     */
    public static BackendSet parseAll(List<String> entries) {
        List<SpecError> errors = check(entries, "staticEndpoints");
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.get(0).toString());
        }
        return BalancerTranslator.sortedBackends(entries.stream().map(StaticEndpoints::parse).toList());
    }

    /** Every problem of {@code entries}, each named {@code fieldPath[index]}. */
    static List<SpecError> check(List<String> entries, String fieldPath) {
        requireNonNull(entries, "entries");
        List<SpecError> errors = new ArrayList<>();
        if (entries.isEmpty()) {
            errors.add(new SpecError(fieldPath, "must list at least one endpoint"));
            return errors;
        }
        if (entries.size() > MAX_ENTRIES) {
            errors.add(new SpecError(fieldPath, "must list at most " + MAX_ENTRIES + " endpoints, got " + entries.size()));
            return errors;
        }
        Map<EndpointAddress, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String field = fieldPath + "[" + i + "]";
            String entry = entries.get(i);
            if (entry == null) {
                errors.add(new SpecError(field, "expected host:port, got nothing"));
                continue;
            }
            try {
                EndpointAddress address = parse(entry).address();
                Integer first = firstIndex.putIfAbsent(address, i);
                if (first != null) {
                    errors.add(new SpecError(field, "duplicate of " + fieldPath + "[" + first + "] (both are "
                            + address + ")"));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new SpecError(field, e.getMessage()));
            }
        }
        return errors;
    }

    private static int parsePort(String entry, String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port must be a number 1..65535, got \"" + port + "\" in \"" + entry + "\"");
        }
        int value = Integer.parseInt(port);
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + value + " in \"" + entry + "\"");
        }
        return value;
    }

    private static String parseZone(String entry, String value) {
        if (!ZONE.matcher(value).matches()) {
            throw new IllegalArgumentException("zone must be a label value (letters, digits, '-', '_' and '.', at most"
                    + " 63, starting and ending with a letter or digit), got \"" + value + "\" in \"" + entry + "\"");
        }
        return value;
    }

    private static int parseWeight(String entry, String value) {
        String range = Endpoint.MIN_WEIGHT + ".." + Endpoint.MAX_WEIGHT;
        if (value.isEmpty() || value.length() > 4 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("weight must be a number " + range + ", got \"" + value + "\" in \""
                    + entry + "\"");
        }
        int weight = Integer.parseInt(value);
        if (weight < Endpoint.MIN_WEIGHT || weight > Endpoint.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be " + range + ", got " + weight + " in \"" + entry + "\"");
        }
        return weight;
    }

    private static IllegalArgumentException expectedHostPort(String entry) {
        return new IllegalArgumentException("expected host:port, got \"" + entry + "\"");
    }
}
