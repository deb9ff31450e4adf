package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;

/**
 * What an operator sees of one running balancer ({@code /debug/balancers}): its configuration
 * generation, listener, and its routes with their backends and endpoints (calls in flight, health,
 * zone), and zone-aware routing as this replica does it for each backend.
 *
 * @param policy the balancer-level load-balancing policy (a route may override it)
 * @param zone this replica's zone; empty when unknown
 */
public record BalancerView(
        BalancerId id, long generation, int port, boolean listening, String listenError, int clientConnections,
        String policy, String zone, List<RouteView> routes) {

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

    /**
     * One backend (endpoint set) of a route: its name, weight, endpoints, and whether its calls
     * stay in this replica's node or zone now, and why (not).
     */
    public record BackendView(String name, int weight, ZoneRoutingView zoneRouting, List<EndpointView> endpoints) {

        public BackendView {
            endpoints = List.copyOf(endpoints);
        }
    }

    /**
     * One endpoint: address, weight, state (READY or DRAINING), zone (empty when unknown), calls in
     * flight, the health check's verdict, whether outlier detection ejected it now and how often it did.
     */
    public record EndpointView(String address, int weight, String state, String zone, int inFlight, boolean healthy,
            boolean ejected, long ejections) {}

    /** @param detail what happens and why, e.g. "calls stay in zone eu-west-1a (2 of 6 endpoints)" */
    public record ZoneRoutingView(boolean active, String detail) {}
}
