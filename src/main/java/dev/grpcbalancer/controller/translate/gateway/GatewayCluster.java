package dev.grpcbalancer.controller.translate.gateway;

import dev.grpcbalancer.controller.translate.ClusterTranslator;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The cluster state a Gateway's translation reads besides Services and EndpointSlices: a view
 * over informer caches, or plain maps in tests. Each lookup has its
 * {@link dev.grpcbalancer.controller.translate.InputRef} kind, under which the informers report
 * changes.
 */
public interface GatewayCluster extends ClusterTranslator.Cluster {

    /** The GatewayClass {@code name}, or {@code null}. */
    GatewayClass gatewayClass(String name);

    /** Every GRPCRoute with a parentRef that names Gateway {@code namespace/name} (in any order). */
    Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName);

    /** Every ReferenceGrant in {@code namespace}. */
    Collection<ReferenceGrant> referenceGrants(String namespace);

    /** The labels of Namespace {@code name}, or {@code null} when it is not known. */
    Map<String, String> namespaceLabels(String name);

    /** {@code services} (and Secrets, ConfigMaps) with no Gateway API objects: for clusters without the Gateway API. */
    static GatewayCluster servicesOnly(ClusterTranslator.Cluster services) {
        return new GatewayCluster() {
            @Override
            public Service service(String namespace, String name) {
                return services.service(namespace, name);
            }

            @Override
            public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
                return services.endpointSlices(namespace, serviceName);
            }

            @Override
            public Secret secret(String namespace, String name) {
                return services.secret(namespace, name);
            }

            @Override
            public ConfigMap configMap(String namespace, String name) {
                return services.configMap(namespace, name);
            }

            @Override
            public GatewayClass gatewayClass(String name) {
                return null;
            }

            @Override
            public Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
                return List.of();
            }

            @Override
            public Collection<ReferenceGrant> referenceGrants(String namespace) {
                return List.of();
            }

            @Override
            public Map<String, String> namespaceLabels(String name) {
                return null;
            }
        };
    }
}
