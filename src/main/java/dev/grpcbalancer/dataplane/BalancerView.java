package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;

/**
 * What an operator sees of one running balancer ({@code /debug/balancers}): its configuration
 * generation, listener, endpoints with their calls in flight, and zone-aware routing as this
 * replica does it.
 *
 * @param zone this replica's zone; empty when unknown
 * @param zoneRouting whether calls stay in this replica's node or zone now, and why (not)
 */
public record BalancerView(
        BalancerId id, long generation, int port, boolean listening, String listenError, int clientConnections,
        String policy, String zone, ZoneRoutingView zoneRouting, List<EndpointView> endpoints) {

    public BalancerView {
        endpoints = List.copyOf(endpoints);
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
