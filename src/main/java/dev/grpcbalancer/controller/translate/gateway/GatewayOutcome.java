package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the controller made of one Gateway: its candidate, and per port it lost the older
 * GrpcBalancer or Gateway that keeps it. The facts its status and its routes' status are built from.
 */
public record GatewayOutcome(GatewayCandidate candidate, Map<Integer, BalancerId> portHolders) {

    public GatewayOutcome {
        requireNonNull(candidate, "candidate");
        portHolders = Map.copyOf(requireNonNull(portHolders, "portHolders"));
    }

    public ObjectKey id() {
        return candidate.id();
    }

    /** What the data plane runs for this Gateway: the configs of the ports it holds, by port. */
    public List<BalancerConfig> configs() {
        Map<Integer, BalancerConfig> held = new TreeMap<>(candidate.ports());
        held.keySet().removeAll(portHolders.keySet());
        return List.copyOf(held.values());
    }
}
