package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;

/**
 * What an operator sees of one running balancer ({@code /debug/balancers}): its configuration
 * generation, listener, and its routes with their backends and endpoints (calls in flight, health).
 *
 * @param policy the balancer-level load-balancing policy (a route may override it)
 */
public record BalancerView(
        BalancerId id, long generation, int port, boolean listening, String listenError, int clientConnections,
        String policy, List<RouteView> routes) {

    public BalancerView {
        routes = List.copyOf(routes);
    }

    /** One route: its name ({@code default} for a balancer without rules), matches, policy and backends. */
    public record RouteView(String name, List<String> matches, String policy, List<BackendView> backends) {

        public RouteView {
            matches = List.copyOf(matches);
            backends = List.copyOf(backends);
        }
    }

    /** One backend (endpoint set) of a route: its name, weight and endpoints. */
    public record BackendView(String name, int weight, List<EndpointView> endpoints) {

        public BackendView {
            endpoints = List.copyOf(endpoints);
        }
    }

    /**
     * One endpoint: address, weight, state (READY or DRAINING), calls in flight, the health
     * check's verdict, whether outlier detection ejected it now and how often it did.
     */
    public record EndpointView(String address, int weight, String state, int inFlight, boolean healthy,
            boolean ejected, long ejections) {}
}
