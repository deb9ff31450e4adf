package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** Per-address load and health of one balancer instance; immutable map, mutable counters. */
final class EndpointLoads {

    private final Map<EndpointAddress, EndpointLoad> byAddress;
    /** Taken to decide an ejection (rare); shared by a balancer and its rebuilds. */
    private final Object ejectionLock;

    private EndpointLoads(Map<EndpointAddress, EndpointLoad> byAddress, Object ejectionLock) {
        this.byAddress = Map.copyOf(byAddress);
        this.ejectionLock = ejectionLock;
    }

    /**
     * The loads of {@code backends}, carried over by address from {@code previous}. With a
     * {@code rampStartNanos} other than 0, endpoints new to a running balancer start a slow start.
     */
    static EndpointLoads carryOver(BackendSet backends, EndpointLoads previous, long rampStartNanos) {
        Map<EndpointAddress, EndpointLoad> map = new HashMap<>();
        for (Endpoint endpoint : backends.endpoints()) {
            EndpointLoad old = previous == null ? null : previous.byAddress.get(endpoint.address());
            EndpointLoad load = old != null ? old : new EndpointLoad();
            if (old == null && previous != null && rampStartNanos != 0) {
                load.startRamp(rampStartNanos);
            }
            map.put(endpoint.address(), load);
        }
        return new EndpointLoads(map, previous == null ? new Object() : previous.ejectionLock);
    }

    EndpointLoad get(EndpointAddress address) {
        return byAddress.get(address);
    }

    Collection<EndpointLoad> all() {
        return byAddress.values();
    }

    Object ejectionLock() {
        return ejectionLock;
    }
}
