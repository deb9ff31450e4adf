package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * One backendRef of a route: its own endpoint set (with its own balancing, health and ejection
 * state in the data plane) and its share of the route's calls.
 *
 * @param name identifies the backendRef within its route across snapshots, so its state carries
 *     over when weights or endpoints change: {@code service:port} for a Service,
 *     {@code static-N} for the N-th entry of a rule's backendRefs given as static endpoints
 * @param weight share of the route's calls, 0..{@value #MAX_WEIGHT}; 0 sends none (the backend is
 *     still resolved and reported)
 * @param endpoints its endpoints; empty when the reference did not resolve or has none
 */
public record RouteBackend(String name, int weight, BackendSet endpoints) {

    public static final int MAX_WEIGHT = 1_000_000;

    public RouteBackend {
        requireNonNull(name, "name");
        requireNonNull(endpoints, "endpoints");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a route backend needs a name");
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 0.." + MAX_WEIGHT + ": " + weight);
        }
    }
}
