package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The complete, immutable routing state: every balancer the data plane must run. Sources build a
 * fresh one on every change and hand it to a {@link SnapshotSink}; equal snapshots mean nothing
 * changed. Balancer ids and listener ports are unique (sources resolve clashes before).
 *
 * <p>The index by id that the uniqueness check builds is kept: looking a balancer up costs one hash
 * lookup, not a walk over a thousand balancers.
 */
public final class RoutingSnapshot {

    public static final RoutingSnapshot EMPTY = new RoutingSnapshot(List.of());

    private final List<BalancerConfig> balancers;
    private final Map<BalancerId, BalancerConfig> byId;

    public RoutingSnapshot(List<BalancerConfig> balancers) {
        this.balancers = List.copyOf(requireNonNull(balancers, "balancers"));
        Map<BalancerId, BalancerConfig> index = new HashMap<>(this.balancers.size() * 2);
        // Ports seen, one bit each: a source builds a snapshot per change, so no map of ports per build.
        BitSet ports = new BitSet(65536);
        for (BalancerConfig balancer : this.balancers) {
            if (index.put(balancer.id(), balancer) != null) {
                throw new IllegalArgumentException("balancer listed twice: " + balancer.id());
            }
            if (ports.get(balancer.listenerPort())) {
                throw new IllegalArgumentException("port " + balancer.listenerPort() + " used by both "
                        + holderOf(balancer.listenerPort()) + " and " + balancer.id());
            }
            ports.set(balancer.listenerPort());
        }
        this.byId = Collections.unmodifiableMap(index);
    }

    /** The first balancer listening on {@code port}. */
    private BalancerId holderOf(int port) {
        return balancers.stream().filter(b -> b.listenerPort() == port).findFirst().orElseThrow().id();
    }

    /** Every balancer, in the order the source gave. */
    public List<BalancerConfig> balancers() {
        return balancers;
    }

    public Optional<BalancerConfig> balancer(BalancerId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The balancers by id (unordered, immutable). */
    public Map<BalancerId, BalancerConfig> byId() {
        return byId;
    }

    /**
     * The same balancers in the same order. Sources that keep unchanged balancers' configs as the same
     * instances make this one identity check per balancer.
     */
    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof RoutingSnapshot snapshot && balancers.equals(snapshot.balancers);
    }

    @Override
    public int hashCode() {
        return balancers.hashCode();
    }

    @Override
    public String toString() {
        return "RoutingSnapshot[balancers=" + balancers + "]";
    }
}
