package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-address load and health of one balancer instance (immutable map, mutable counters), and
 * what its endpoints share: the ejection lock, the health version, the calls in flight that
 * ConsistentHash bounds and the calls counted by locality. All of it carries over rebuilds.
 */
final class EndpointLoads {

    private final Map<EndpointAddress, EndpointLoad> byAddress;
    private final Shared shared;

    /** What every rebuild of one balancer's endpoint set shares. */
    private record Shared(Object ejectionLock, AtomicInteger healthVersion, AtomicInteger hashedInFlight,
            LocalityCounts localityCounts) {

        Shared() {
            this(new Object(), new AtomicInteger(), new AtomicInteger(), new LocalityCounts());
        }
    }

    private EndpointLoads(Map<EndpointAddress, EndpointLoad> byAddress, Shared shared) {
        this.byAddress = Map.copyOf(byAddress);
        this.shared = shared;
    }

    /**
     * The loads of {@code backends}, carried over by address from {@code previous}. With a
     * {@code rampStartNanos} other than 0, endpoints new to a running balancer start a slow start.
     */
    static EndpointLoads carryOver(BackendSet backends, EndpointLoads previous, long rampStartNanos) {
        Shared shared = previous == null ? new Shared() : previous.shared;
        Map<EndpointAddress, EndpointLoad> map = new HashMap<>();
        for (Endpoint endpoint : backends.endpoints()) {
            EndpointLoad old = previous == null ? null : previous.byAddress.get(endpoint.address());
            EndpointLoad load = old != null ? old : new EndpointLoad(shared.healthVersion());
            if (old == null && previous != null && rampStartNanos != 0) {
                load.startRamp(rampStartNanos);
            }
            map.put(endpoint.address(), load);
        }
        return new EndpointLoads(map, shared);
    }

    EndpointLoad get(EndpointAddress address) {
        return byAddress.get(address);
    }

    Collection<EndpointLoad> all() {
        return byAddress.values();
    }

    /** Taken to decide an ejection (rare); shared by a balancer and its rebuilds. */
    Object ejectionLock() {
        return shared.ejectionLock();
    }

    /** Changes whenever an endpoint's availability changes. */
    int healthVersion() {
        return shared.healthVersion().get();
    }

    /** Calls in flight that ConsistentHash placed: the base of its load bound. */
    AtomicInteger hashedInFlight() {
        return shared.hashedInFlight();
    }

    LocalityCounts localityCounts() {
        return shared.localityCounts();
    }
}
