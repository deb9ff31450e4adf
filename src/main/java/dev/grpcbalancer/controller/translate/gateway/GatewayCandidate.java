package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.snapshot.BalancerConfig;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Gateway of this controller translated on its own, before ports are shared out among
 * Gateways and GrpcBalancers.
 *
 * @param notAccepted why the Gateway as a whole cannot be served (its class is not accepted, it
 *     asks for addresses), or {@code null}
 * @param listeners every listener, in spec order
 * @param attachedRoutes per listener name, the routes attached to it
 * @param ports per port of a servable listener, what the data plane runs there, with the
 *     certificates of its HTTPS listeners (empty when {@code notAccepted})
 * @param parents per parentRef of a GRPCRoute that names this Gateway, what became of it
 * @param inputs everything the translation read from the cluster
 * @param recheckAt when a certificate it read becomes valid or expires ({@link Instant#MAX}: never):
 *     it is translated again from then
 */
public record GatewayCandidate(ObjectKey id, Gateway resource, Problem notAccepted, List<ListenerCheck> listeners,
        Map<String, Integer> attachedRoutes, Map<Integer, BalancerConfig> ports, List<ParentResult> parents,
        Set<InputRef> inputs, Instant recheckAt) {

    public GatewayCandidate {
        requireNonNull(id, "id");
        requireNonNull(resource, "resource");
        listeners = List.copyOf(requireNonNull(listeners, "listeners"));
        attachedRoutes = Map.copyOf(requireNonNull(attachedRoutes, "attachedRoutes"));
        ports = Map.copyOf(requireNonNull(ports, "ports"));
        parents = List.copyOf(requireNonNull(parents, "parents"));
        inputs = Set.copyOf(requireNonNull(inputs, "inputs"));
        requireNonNull(recheckAt, "recheckAt");
    }

    /** {@code metadata.generation} (0 when the server set none). */
    public long generation() {
        Long generation = resource.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
