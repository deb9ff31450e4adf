package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;

/**
 * What an operator sees of one running balancer ({@code /debug/balancers}): its configuration
 * generation, listener and endpoints with their calls in flight.
 */
public record BalancerView(
        BalancerId id, long generation, int port, boolean listening, String listenError, int clientConnections,
        String policy, List<EndpointView> endpoints) {

    public BalancerView {
        endpoints = List.copyOf(endpoints);
    }

    /**
     * One endpoint: address, weight, state (READY or DRAINING), calls in flight, the health
     * check's verdict, whether outlier detection ejected it now and how often it did.
     */
    public record EndpointView(String address, int weight, String state, int inFlight, boolean healthy,
            boolean ejected, long ejections) {}
}
