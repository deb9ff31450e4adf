package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The informers over the Gateway API objects, for a cluster that has the Gateway API
 * ({@link GatewayApiDiscovery}): GatewayClasses and Namespaces (cluster-scoped; Namespaces for
 * listeners that select route namespaces by label), and Gateways, GRPCRoutes (indexed by the
 * Gateways their parentRefs name) and ReferenceGrants of the watched namespaces. Like
 * {@link ClusterCache}, every event notes the translation inputs it touched and signals.
 */
final class GatewayCache {

    private static final String BY_PARENT = "byParentGateway";

    private final SharedIndexInformer<GatewayClass> classes;
    private final SharedIndexInformer<Namespace> namespaces;
    private final List<SharedIndexInformer<Gateway>> gateways = new ArrayList<>();
    private final List<SharedIndexInformer<GRPCRoute>> routes = new ArrayList<>();
    private final List<SharedIndexInformer<ReferenceGrant>> grants;

    /**
     * @param referenceGrants whether the cluster serves ReferenceGrants (without them no
     *     cross-namespace reference is permitted)
     * @param register adds an informer to the cache's list (started, stopped and watched with the others)
     */
    GatewayCache(KubernetesClient client, ControllerSettings settings, boolean referenceGrants, Runnable onChange,
            Set<InputRef> changes, Consumer<SharedIndexInformer<?>> register) {
        requireNonNull(client, "client");
        classes = add(client.resources(GatewayClass.class).runnableInformer(0),
                ClusterCache.Signal.ofSpec(onChange, changes, c -> List.of(InputRef.gatewayClass(c.getMetadata().getName()))),
                register);
        namespaces = add(client.namespaces().runnableInformer(0),
                new ClusterCache.Signal<>(onChange, changes, n -> List.of(InputRef.namespace(n.getMetadata().getName()))),
                register);
        // A Gateway is not an input of another object: a changed one is a new version, which the translation notices.
        ResourceEventHandler<Gateway> gatewayHandler = ClusterCache.Signal.ofSpec(onChange, changes, g -> List.of());
        for (var source : ClusterCache.scoped(settings, ns -> client.resources(Gateway.class).inNamespace(ns),
                () -> client.resources(Gateway.class).inAnyNamespace())) {
            gateways.add(add(source.runnableInformer(0), gatewayHandler, register));
        }
        ResourceEventHandler<GRPCRoute> routeHandler = ClusterCache.Signal.ofSpec(onChange, changes, route ->
                GatewayTranslator.parentGateways(route).stream()
                        .map(gateway -> InputRef.grpcRoutesOf(gateway.namespace(), gateway.name())).toList());
        for (var source : ClusterCache.scoped(settings, ns -> client.resources(GRPCRoute.class).inNamespace(ns),
                () -> client.resources(GRPCRoute.class).inAnyNamespace())) {
            SharedIndexInformer<GRPCRoute> informer = source.runnableInformer(0);
            informer.addIndexers(Map.of(BY_PARENT, route -> GatewayTranslator.parentGateways(route).stream()
                    .map(ObjectKey::toString).toList()));
            routes.add(add(informer, routeHandler, register));
        }
        grants = new ArrayList<>();
        if (referenceGrants) {
            ResourceEventHandler<ReferenceGrant> grantHandler = new ClusterCache.Signal<>(onChange, changes,
                    grant -> List.of(InputRef.referenceGrants(grant.getMetadata().getNamespace())));
            for (var source : ClusterCache.scoped(settings, ns -> client.resources(ReferenceGrant.class).inNamespace(ns),
                    () -> client.resources(ReferenceGrant.class).inAnyNamespace())) {
                grants.add(add(source.runnableInformer(0), grantHandler, register));
            }
        }
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> add(SharedIndexInformer<T> informer,
            ResourceEventHandler<T> handler, Consumer<SharedIndexInformer<?>> register) {
        informer.addEventHandler(handler);
        register.accept(informer);
        return informer;
    }

    Collection<GatewayClass> gatewayClasses() {
        return classes.getStore().list();
    }

    GatewayClass gatewayClass(String name) {
        return classes.getStore().getByKey(name);
    }

    Collection<Gateway> gateways() {
        List<Gateway> list = new ArrayList<>();
        gateways.forEach(informer -> list.addAll(informer.getStore().list()));
        return list;
    }

    Gateway gateway(ObjectKey key) {
        return first(gateways, key);
    }

    Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
        List<GRPCRoute> list = new ArrayList<>();
        String key = new ObjectKey(gatewayNamespace, gatewayName).toString();
        routes.forEach(informer -> list.addAll(informer.getIndexer().byIndex(BY_PARENT, key)));
        return list;
    }

    /** Every GRPCRoute of the watched namespaces. */
    Collection<GRPCRoute> grpcRoutes() {
        List<GRPCRoute> list = new ArrayList<>();
        routes.forEach(informer -> list.addAll(informer.getStore().list()));
        return list;
    }

    Collection<ReferenceGrant> referenceGrants(String namespace) {
        List<ReferenceGrant> list = new ArrayList<>();
        grants.forEach(informer -> informer.getStore().list().stream()
                .filter(grant -> Objects.equals(namespace, grant.getMetadata().getNamespace()))
                .forEach(list::add));
        return list;
    }

    Map<String, String> namespaceLabels(String name) {
        Namespace namespace = namespaces.getStore().getByKey(name);
        if (namespace == null) {
            return null;
        }
        return namespace.getMetadata().getLabels() == null ? Map.of() : namespace.getMetadata().getLabels();
    }

    private static <T extends HasMetadata> T first(List<SharedIndexInformer<T>> informers, ObjectKey key) {
        for (SharedIndexInformer<T> informer : informers) {
            T found = informer.getStore().getByKey(key.toString());
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
