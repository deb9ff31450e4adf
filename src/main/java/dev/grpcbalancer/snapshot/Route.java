package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One routing rule of a balancer, as a GRPCRoute rule: the calls it takes (any one of
 * {@code matches}; none means every call), the backends it splits them over by weight, and the
 * policy its calls run with. Which rule takes a call that several match follows GRPCRoute's
 * precedence (see docs/architecture.md, "Routing").
 *
 * @param name the rule's name, or {@code rule-N} (its index) for an unnamed one; unique within the
 *     balancer; labels meters and log lines, and carries the rule's state across snapshots
 */
public record Route(String name, List<RouteMatch> matches, List<RouteBackend> backends, RoutePolicy policy) {

    /** The name of the one route of a balancer given as a shorthand ({@code backendRef} or {@code staticEndpoints}). */
    public static final String DEFAULT_NAME = "default";

    public Route {
        requireNonNull(name, "name");
        matches = List.copyOf(requireNonNull(matches, "matches"));
        backends = List.copyOf(requireNonNull(backends, "backends"));
        requireNonNull(policy, "policy");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a route needs a name");
        }
        Set<String> names = new HashSet<>();
        for (RouteBackend backend : backends) {
            if (!names.add(backend.name())) {
                throw new IllegalArgumentException("route " + name + " lists backend " + backend.name() + " twice");
            }
        }
    }

    /** The name of the unnamed rule at {@code index} of a balancer's rules. */
    public static String indexName(int index) {
        return "rule-" + index;
    }
}
