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
 * @param invalidReason {@code null} for a usable backend. Otherwise why the reference is invalid
 *     (e.g. {@code Service shop/cart not found}): as GRPCRoute requires, the backend keeps its
 *     share of the calls, and those calls fail with UNAVAILABLE and this reason (a
 *     {@code GrpcBalancer} rule gives such a backend no calls instead, and never sets it)
 */
public record RouteBackend(String name, int weight, BackendSet endpoints, String invalidReason) {

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
        if (invalidReason != null && (invalidReason.isEmpty() || !endpoints.isEmpty())) {
            throw new IllegalArgumentException("an invalid backend has a reason and no endpoints: " + name);
        }
    }

    /** A usable backend. */
    public RouteBackend(String name, int weight, BackendSet endpoints) {
        this(name, weight, endpoints, null);
    }

    /** A backendRef that cannot be used: its share of the calls fails with UNAVAILABLE and {@code reason}. */
    public static RouteBackend invalid(String name, int weight, String reason) {
        return new RouteBackend(name, weight, BackendSet.EMPTY, requireNonNull(reason, "reason"));
    }

    public boolean isInvalid() {
        return invalidReason != null;
    }
}
