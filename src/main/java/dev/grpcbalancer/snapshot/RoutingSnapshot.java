package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The complete, immutable routing state: every balancer the data plane must run. Sources build a
 * fresh one on every change and hand it to a {@link SnapshotSink}; equal snapshots mean nothing
 * changed. Balancer ids and listener ports are unique (sources resolve clashes before).
 */
public record RoutingSnapshot(List<BalancerConfig> balancers) {

    public static final RoutingSnapshot EMPTY = new RoutingSnapshot(List.of());

    public RoutingSnapshot {
        balancers = List.copyOf(requireNonNull(balancers, "balancers"));
        Map<BalancerId, BalancerConfig> byId = new LinkedHashMap<>();
        Map<Integer, BalancerId> byPort = new LinkedHashMap<>();
        for (BalancerConfig balancer : balancers) {
            if (byId.put(balancer.id(), balancer) != null) {
                throw new IllegalArgumentException("balancer listed twice: " + balancer.id());
            }
            BalancerId holder = byPort.put(balancer.listenerPort(), balancer.id());
            if (holder != null) {
                throw new IllegalArgumentException("port " + balancer.listenerPort() + " used by both "
                        + holder + " and " + balancer.id());
            }
        }
    }

    public Optional<BalancerConfig> balancer(BalancerId id) {
        return balancers.stream().filter(b -> b.id().equals(id)).findFirst();
    }

    public Map<BalancerId, BalancerConfig> byId() {
        Map<BalancerId, BalancerConfig> byId = new LinkedHashMap<>();
        balancers.forEach(b -> byId.put(b.id(), b));
        return Collections.unmodifiableMap(byId);
    }
}
