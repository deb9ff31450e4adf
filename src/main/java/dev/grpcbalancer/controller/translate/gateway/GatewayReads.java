package dev.grpcbalancer.controller.translate.gateway;

import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.RecordingCluster;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import java.util.Collection;
import java.util.Map;

/**
 * A {@link GatewayCluster} that remembers every lookup made through it as an {@link InputRef}:
 * what one Gateway's translation depends on (Services and slices as for balancers, plus the
 * Gateway API's objects).
 */
final class GatewayReads extends RecordingCluster implements GatewayCluster {

    private final GatewayCluster cluster;

    GatewayReads(GatewayCluster cluster) {
        super(cluster);
        this.cluster = cluster;
    }

    @Override
    public GatewayClass gatewayClass(String name) {
        record(InputRef.gatewayClass(name));
        return cluster.gatewayClass(name);
    }

    @Override
    public Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
        record(InputRef.grpcRoutesOf(gatewayNamespace, gatewayName));
        return cluster.grpcRoutes(gatewayNamespace, gatewayName);
    }

    @Override
    public Collection<ReferenceGrant> referenceGrants(String namespace) {
        record(InputRef.referenceGrants(namespace));
        return cluster.referenceGrants(namespace);
    }

    @Override
    public Map<String, String> namespaceLabels(String name) {
        record(InputRef.namespace(name));
        return cluster.namespaceLabels(name);
    }
}
