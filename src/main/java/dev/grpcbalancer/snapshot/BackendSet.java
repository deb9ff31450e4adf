package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The endpoints of one balancer, in a stable order (sources sort them), each address at most
 * once.
 */
public record BackendSet(List<Endpoint> endpoints) {

    public static final BackendSet EMPTY = new BackendSet(List.of());

    public BackendSet {
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        Set<EndpointAddress> seen = new HashSet<>();
        for (Endpoint endpoint : endpoints) {
            if (!seen.add(endpoint.address())) {
                throw new IllegalArgumentException("endpoint listed twice: " + endpoint.address());
            }
        }
    }

    public long readyCount() {
        return endpoints.stream().filter(e -> e.state() == EndpointState.READY).count();
    }

    public long drainingCount() {
        return endpoints.stream().filter(e -> e.state() == EndpointState.DRAINING).count();
    }

    public boolean isEmpty() {
        return endpoints.isEmpty();
    }
}
