package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;

/**
 * Picks the endpoint of each call. An instance is immutable over one {@link BackendSet} and safe
 * to use from any thread without locks; when the set changes a new instance is built with
 * {@link #create}, passing the old one so per-endpoint state (calls in flight) carries over.
 *
 * <p>Ready endpoints take new calls; draining endpoints are picked only when no endpoint is ready.
 */
public interface LoadBalancer {

    /**
     * Picks an endpoint for a new call.
     *
     * @param avoid an endpoint not to pick if any other is available (the one a failed attempt
     *     used), or {@code null}
     * @return the selection, which the caller must {@link Selection#finish() finish} exactly once
     *     when the call ends; {@code null} when the balancer has no endpoint
     */
    Selection pick(EndpointAddress avoid);

    /** Calls in flight on {@code address} as counted by this balancer and its predecessors. */
    int inFlight(EndpointAddress address);

    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous) {
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        EndpointLoads loads = EndpointLoads.carryOver(backends, previous instanceof WeightedLoadBalancer w ? w.loads() : null);
        return switch (policy) {
            case RoundRobin -> new RoundRobinLoadBalancer(backends, loads);
            case LeastRequest -> new LeastRequestLoadBalancer(backends, loads);
            case Random -> new RandomLoadBalancer(backends, loads);
        };
    }
}
