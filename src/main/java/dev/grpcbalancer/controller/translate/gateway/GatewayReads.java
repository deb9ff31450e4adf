package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.InputRef;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A {@link GatewayCluster} that remembers every lookup made through it as an {@link InputRef}:
 * what one Gateway's translation depends on (as the balancers' {@code RecordingCluster} does).
 */
final class GatewayReads implements GatewayCluster {

    private final GatewayCluster cluster;
    private final Set<InputRef> read = new HashSet<>();

    GatewayReads(GatewayCluster cluster) {
        this.cluster = requireNonNull(cluster, "cluster");
    }

    @Override
    public Service service(String namespace, String name) {
        read.add(InputRef.service(namespace, name));
        return cluster.service(namespace, name);
    }

    @Override
    public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
        read.add(InputRef.endpointSlicesOf(namespace, serviceName));
        return cluster.endpointSlices(namespace, serviceName);
    }

    @Override
    public GatewayClass gatewayClass(String name) {
        read.add(InputRef.gatewayClass(name));
        return cluster.gatewayClass(name);
    }

    @Override
    public Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
        read.add(InputRef.grpcRoutesOf(gatewayNamespace, gatewayName));
        return cluster.grpcRoutes(gatewayNamespace, gatewayName);
    }

    @Override
    public Collection<ReferenceGrant> referenceGrants(String namespace) {
        read.add(InputRef.referenceGrants(namespace));
        return cluster.referenceGrants(namespace);
    }

    @Override
    public Map<String, String> namespaceLabels(String name) {
        read.add(InputRef.namespace(name));
        return cluster.namespaceLabels(name);
    }

    Set<InputRef> read() {
        return Set.copyOf(read);
    }
}
