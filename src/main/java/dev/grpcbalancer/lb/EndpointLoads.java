package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.HashMap;
import java.util.Map;

/** Per-address load counters of one balancer instance; immutable map, mutable counters. */
final class EndpointLoads {

    private final Map<EndpointAddress, EndpointLoad> byAddress;

    private EndpointLoads(Map<EndpointAddress, EndpointLoad> byAddress) {
        this.byAddress = Map.copyOf(byAddress);
    }

    static EndpointLoads carryOver(BackendSet backends, EndpointLoads previous) {
        Map<EndpointAddress, EndpointLoad> map = new HashMap<>();
        for (Endpoint endpoint : backends.endpoints()) {
            EndpointLoad old = previous == null ? null : previous.byAddress.get(endpoint.address());
            map.put(endpoint.address(), old != null ? old : new EndpointLoad());
        }
        return new EndpointLoads(map);
    }

    EndpointLoad get(EndpointAddress address) {
        return byAddress.get(address);
    }
}
