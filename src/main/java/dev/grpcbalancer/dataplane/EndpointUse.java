package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which endpoint addresses the running balancers use, kept from the differences between
 * snapshots: publishing one changed balancer among a thousand looks at that balancer's endpoints
 * only, not at every endpoint of every balancer. Updated by the listeners' owner; {@link #live()}
 * may be read from any thread (the upstream pools read it on their event loops).
 */
final class EndpointUse {

    /** Per address, how many running balancers have it. */
    private final Map<EndpointAddress, Integer> users = new ConcurrentHashMap<>();
    private final Set<EndpointAddress> live = Collections.unmodifiableSet(users.keySet());

    /** Moves from the balancers of {@code before} to those of {@code after}; unchanged configs (same instance) cost nothing. */
    void update(RoutingSnapshot before, RoutingSnapshot after) {
        Map<BalancerId, BalancerConfig> previous = new HashMap<>();
        before.balancers().forEach(config -> previous.put(config.id(), config));
        for (BalancerConfig config : after.balancers()) {
            BalancerConfig old = previous.remove(config.id());
            if (old != config) {
                change(old, config);
            }
        }
        previous.values().forEach(gone -> change(gone, null));
    }

    /** The addresses some running balancer uses: a live view, safe to read from any thread. */
    Set<EndpointAddress> live() {
        return live;
    }

    private void change(BalancerConfig old, BalancerConfig now) {
        Set<EndpointAddress> before = addresses(old);
        Set<EndpointAddress> after = addresses(now);
        for (EndpointAddress address : after) {
            if (!before.contains(address)) {
                users.merge(address, 1, Integer::sum);
            }
        }
        for (EndpointAddress address : before) {
            if (!after.contains(address)) {
                users.computeIfPresent(address, (a, count) -> count == 1 ? null : count - 1);
            }
        }
    }

    private static Set<EndpointAddress> addresses(BalancerConfig config) {
        if (config == null) {
            return Set.of();
        }
        Set<EndpointAddress> addresses = new HashSet<>();
        for (Endpoint endpoint : config.allEndpoints()) {
            addresses.add(endpoint.address());
        }
        return addresses;
    }
}
