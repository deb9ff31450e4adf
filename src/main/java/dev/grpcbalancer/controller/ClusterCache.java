package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.ClusterTranslator;
import dev.grpcbalancer.controller.translate.ServiceBackends;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Shared informers over everything the controller reads: GrpcBalancers, Services,
 * EndpointSlices, Secrets and ConfigMaps of the watched namespaces (one informer per namespace and
 * kind, or one per kind for all namespaces), and the managed Services in the controller's own
 * namespace. Every change runs {@code onChange}, which only signals the reconcile loop.
 * EndpointSlices are indexed by their Service ({@code kubernetes.io/service-name}). Secrets and
 * ConfigMaps are read (list and watch, nothing else) for the certificates balancers reference;
 * Helm's release Secrets, large and never referenced, are left out by a field selector. Only the
 * referenced ones are ever parsed (the reconcile loop's {@code KeyMaterialCache}).
 *
 * <p>Reads are from the informers' stores: consistent per object, never blocking on the API
 * server. When the API server is unreachable the stores keep the last known state and the
 * informers reconnect by themselves.
 */
final class ClusterCache implements ClusterTranslator.Cluster, AutoCloseable {

    private static final String BY_SERVICE = "byService";
    /** Helm 3 keeps every release revision in a Secret of this type: megabytes nobody references. */
    private static final String HELM_RELEASE_SECRET_TYPE = "helm.sh/release.v1";

    private final List<SharedIndexInformer<GrpcBalancer>> balancers = new ArrayList<>();
    private final List<SharedIndexInformer<Service>> services = new ArrayList<>();
    private final List<SharedIndexInformer<EndpointSlice>> slices = new ArrayList<>();
    private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
    private final List<SharedIndexInformer<ConfigMap>> configMaps = new ArrayList<>();
    private final SharedIndexInformer<Service> managedServices;
    private final List<SharedIndexInformer<?>> all = new ArrayList<>();
    private final String controllerNamespace;

    ClusterCache(KubernetesClient client, ControllerSettings settings, Runnable onChange) {
        requireNonNull(client, "client");
        requireNonNull(onChange, "onChange");
        this.controllerNamespace = settings.controllerNamespace();
        ResourceEventHandler<HasMetadata> handler = new Signal(onChange);
        for (Informable<GrpcBalancer> source : scoped(settings, ns -> client.resources(GrpcBalancer.class).inNamespace(ns),
                () -> client.resources(GrpcBalancer.class).inAnyNamespace())) {
            balancers.add(register(source.runnableInformer(0), handler));
        }
        for (Informable<Service> source : scoped(settings, ns -> client.services().inNamespace(ns),
                () -> client.services().inAnyNamespace())) {
            services.add(register(source.runnableInformer(0), handler));
        }
        for (Informable<EndpointSlice> source : scoped(settings,
                ns -> client.discovery().v1().endpointSlices().inNamespace(ns),
                () -> client.discovery().v1().endpointSlices().inAnyNamespace())) {
            SharedIndexInformer<EndpointSlice> informer = source.runnableInformer(0);
            informer.addIndexers(Map.of(BY_SERVICE, ClusterCache::serviceKeys));
            slices.add(register(informer, handler));
        }
        for (Informable<Secret> source : scoped(settings,
                ns -> client.secrets().inNamespace(ns).withoutField("type", HELM_RELEASE_SECRET_TYPE),
                () -> client.secrets().inAnyNamespace().withoutField("type", HELM_RELEASE_SECRET_TYPE))) {
            secrets.add(register(source.runnableInformer(0), handler));
        }
        for (Informable<ConfigMap> source : scoped(settings, ns -> client.configMaps().inNamespace(ns),
                () -> client.configMaps().inAnyNamespace())) {
            configMaps.add(register(source.runnableInformer(0), handler));
        }
        managedServices = register(client.services().inNamespace(settings.controllerNamespace())
                .withLabels(ManagedServices.ownedSelector()).runnableInformer(0), handler);
    }

    private static <T> List<Informable<T>> scoped(ControllerSettings settings, Function<String, Informable<T>> inNamespace,
            Supplier<Informable<T>> inAny) {
        if (settings.allNamespaces()) {
            return List.of(inAny.get());
        }
        return settings.namespaces().stream().sorted().map(inNamespace).toList();
    }

    private <T extends HasMetadata> SharedIndexInformer<T> register(SharedIndexInformer<T> informer,
            ResourceEventHandler<HasMetadata> handler) {
        informer.addEventHandler(handler);
        all.add(informer);
        return informer;
    }

    private static List<String> serviceKeys(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(ServiceBackends.SERVICE_NAME_LABEL);
        return service == null ? List.of() : List.of(slice.getMetadata().getNamespace() + "/" + service);
    }

    /** Starts every informer; completes when all have listed once (or fails with the first error). */
    CompletableFuture<Void> start() {
        return CompletableFuture.allOf(all.stream()
                .map(informer -> informer.start().toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    }

    /** True when every informer has listed once. */
    boolean hasSynced() {
        return all.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** True when every informer's watch is open (false while the API server is unreachable). */
    boolean isWatching() {
        return all.stream().allMatch(SharedIndexInformer::isWatching);
    }

    Collection<GrpcBalancer> balancers() {
        List<GrpcBalancer> list = new ArrayList<>();
        balancers.forEach(informer -> list.addAll(informer.getStore().list()));
        return list;
    }

    GrpcBalancer balancer(String namespace, String name) {
        return byKey(balancers, namespace, name);
    }

    @Override
    public Service service(String namespace, String name) {
        return byKey(services, namespace, name);
    }

    @Override
    public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
        List<EndpointSlice> list = new ArrayList<>();
        for (SharedIndexInformer<EndpointSlice> informer : slices) {
            list.addAll(informer.getIndexer().byIndex(BY_SERVICE, namespace + "/" + serviceName));
        }
        return list;
    }

    @Override
    public Secret secret(String namespace, String name) {
        return byKey(secrets, namespace, name);
    }

    @Override
    public ConfigMap configMap(String namespace, String name) {
        return byKey(configMaps, namespace, name);
    }

    private static <T> T byKey(List<SharedIndexInformer<T>> informers, String namespace, String name) {
        for (SharedIndexInformer<T> informer : informers) {
            T object = informer.getStore().getByKey(namespace + "/" + name);
            if (object != null) {
                return object;
            }
        }
        return null;
    }

    /** The managed Services in the controller's namespace. */
    Collection<Service> managedServices() {
        return managedServices.getStore().list();
    }

    /** The managed Service named {@code name}, or {@code null}. */
    Service managedService(String name) {
        return managedServices.getStore().getByKey(controllerNamespace + "/" + name);
    }

    @Override
    public void close() {
        all.forEach(SharedIndexInformer::stop);
    }

    /** Every event only signals: the reconcile loop reads the stores itself. */
    private record Signal(Runnable onChange) implements ResourceEventHandler<HasMetadata> {

        @Override
        public void onAdd(HasMetadata obj) {
            onChange.run();
        }

        @Override
        public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
            if (!sameVersion(oldObj, newObj)) {
                onChange.run();
            }
        }

        @Override
        public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
            onChange.run();
        }

        private static boolean sameVersion(HasMetadata a, HasMetadata b) {
            String version = a.getMetadata().getResourceVersion();
            return version != null && version.equals(b.getMetadata().getResourceVersion());
        }
    }
}
