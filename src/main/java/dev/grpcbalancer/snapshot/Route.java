package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One routing rule of a balancer, as a GRPCRoute rule: the calls it takes (any one of
 * {@code matches}; none means every call), the backends it splits them over by weight, and the
 * policy its calls run with. Which rule takes a call that several match follows GRPCRoute's
 * precedence (see docs/architecture.md, "Routing").
 *
 * @param name the rule's name, or {@code rule-N} (its index) for an unnamed one; unique within the
 *     balancer; labels meters and log lines, and carries the rule's state across snapshots
 * @param hostnames the {@code :authority} hosts the rule takes calls for, as GRPCRoute hostnames:
 *     {@code foo.example.com} (exact, case-insensitive) or {@code *.example.com} (any host that
 *     ends in {@code .example.com}, one label or more before it); empty for any host
 * @param filters what the rule does to its calls' headers
 */
public record Route(String name, List<String> hostnames, List<RouteMatch> matches, List<RouteBackend> backends,
        RoutePolicy policy, RouteFilters filters) {

    /** The name of the one route of a balancer given as a shorthand ({@code backendRef} or {@code staticEndpoints}). */
    public static final String DEFAULT_NAME = "default";

    private static final Pattern HOSTNAME =
            Pattern.compile("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    public Route {
        requireNonNull(name, "name");
        hostnames = List.copyOf(requireNonNull(hostnames, "hostnames"));
        matches = List.copyOf(requireNonNull(matches, "matches"));
        backends = List.copyOf(requireNonNull(backends, "backends"));
        requireNonNull(policy, "policy");
        requireNonNull(filters, "filters");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a route needs a name");
        }
        for (String hostname : hostnames) {
            if (!isHostname(hostname)) {
                throw new IllegalArgumentException("route " + name + ": not a hostname: \"" + hostname + "\"");
            }
        }
        if (new HashSet<>(hostnames).size() != hostnames.size()) {
            throw new IllegalArgumentException("route " + name + " lists a hostname twice: " + hostnames);
        }
        Set<String> names = new HashSet<>();
        for (RouteBackend backend : backends) {
            if (!names.add(backend.name())) {
                throw new IllegalArgumentException("route " + name + " lists backend " + backend.name() + " twice");
            }
        }
    }

    /** A rule for any host, without filters. */
    public Route(String name, List<RouteMatch> matches, List<RouteBackend> backends, RoutePolicy policy) {
        this(name, List.of(), matches, backends, policy, RouteFilters.NONE);
    }

    /**
     * Whether {@code hostname} is a GRPCRoute hostname: lowercase RFC 1123 labels, optionally
     * after a {@code *.} wildcard label, at most 253 characters.
     */
    public static boolean isHostname(String hostname) {
        return hostname != null && hostname.length() <= 253 && HOSTNAME.matcher(hostname).matches()
                && hostname.equals(hostname.toLowerCase(Locale.ROOT));
    }

    /** The name of the unnamed rule at {@code index} of a balancer's rules. */
    public static String indexName(int index) {
        return "rule-" + index;
    }
}
