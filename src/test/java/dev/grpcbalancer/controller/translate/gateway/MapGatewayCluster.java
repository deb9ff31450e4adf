package dev.grpcbalancer.controller.translate.gateway;

import dev.grpcbalancer.controller.translate.MapCluster;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link GatewayCluster} over plain maps, for translation tests. */
public final class MapGatewayCluster extends MapCluster implements GatewayCluster {

    private final Map<String, GatewayClass> classes = new HashMap<>();
    private final Map<String, GRPCRoute> routes = new HashMap<>();
    private final Map<String, List<ReferenceGrant>> grants = new HashMap<>();
    private final Map<String, Map<String, String>> namespaces = new HashMap<>();

    public MapGatewayCluster add(Service service) {
        services.put(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(), service);
        return this;
    }

    public MapGatewayCluster add(EndpointSlice slice) {
        slices.computeIfAbsent(slice.getMetadata().getNamespace() + "/"
                + slice.getMetadata().getLabels().get("kubernetes.io/service-name"), k -> new ArrayList<>()).add(slice);
        return this;
    }

    public MapGatewayCluster add(Secret secret) {
        secrets.put(secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName(), secret);
        return this;
    }

    public MapGatewayCluster add(GatewayClass gatewayClass) {
        classes.put(gatewayClass.getMetadata().getName(), gatewayClass);
        return this;
    }

    public MapGatewayCluster add(GRPCRoute route) {
        routes.put(route.getMetadata().getNamespace() + "/" + route.getMetadata().getName(), route);
        return this;
    }

    public MapGatewayCluster add(ReferenceGrant grant) {
        grants.computeIfAbsent(grant.getMetadata().getNamespace(), k -> new ArrayList<>()).add(grant);
        return this;
    }

    public MapGatewayCluster namespace(String name, Map<String, String> labels) {
        namespaces.put(name, labels);
        return this;
    }

    public MapGatewayCluster remove(GRPCRoute route) {
        routes.remove(route.getMetadata().getNamespace() + "/" + route.getMetadata().getName());
        return this;
    }

    @Override
    public GatewayClass gatewayClass(String name) {
        return classes.get(name);
    }

    @Override
    public Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
        ObjectKey gateway = new ObjectKey(gatewayNamespace, gatewayName);
        return routes.values().stream().filter(r -> GatewayTranslator.parentGateways(r).contains(gateway)).toList();
    }

    @Override
    public Collection<ReferenceGrant> referenceGrants(String namespace) {
        return grants.getOrDefault(namespace, List.of());
    }

    @Override
    public Map<String, String> namespaceLabels(String name) {
        return namespaces.get(name);
    }
}
