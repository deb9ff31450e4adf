package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.BalancerSource;
import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.ServiceBackends;
import dev.grpcbalancer.controller.translate.gateway.GatewayCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Shared informers over everything the controller reads: GrpcBalancers, Services,
 * EndpointSlices, Secrets and ConfigMaps of the watched namespaces (one informer per namespace and
 * kind, or one per kind for all namespaces), and the managed Services in the controller's own
 * namespace. Every change runs {@code onChange}, which only signals the reconcile loop, after
 * noting which translation input it touched ({@link InputRef}; {@link #takeChanges}), so that only
 * the balancers that read it are translated again. EndpointSlices are indexed by their Service
 * ({@code kubernetes.io/service-name}). Secrets and ConfigMaps are read (list and watch, nothing
 * else) for the certificates balancers reference; Helm's release Secrets, large and never
 * referenced, are left out by a field selector. Only the referenced ones are ever parsed (the
 * reconcile loop's {@code KeyMaterialCache}).
 *
 * <p>Reads are from the informers' stores: consistent per object, never blocking on the API
 * server. When the API server is unreachable the stores keep the last known state and the
 * informers reconnect by themselves.
 */
final class ClusterCache implements GatewayCluster, AutoCloseable {

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
    private final Set<InputRef> changes = ConcurrentHashMap.newKeySet();
    private final Runnable onChange;
    /** The Gateway API informers; null until {@link #serveGatewayApi}, and where the cluster has no Gateway API. */
    private GatewayCache gatewayApi;

    ClusterCache(KubernetesClient client, ControllerSettings settings, Runnable onChange) {
        requireNonNull(client, "client");
        this.onChange = requireNonNull(onChange, "onChange");
        this.controllerNamespace = settings.controllerNamespace();
        // A GrpcBalancer is not an input of another balancer, but its own ref tells the translation
        // which balancers to look up (balancers() reports its changes). An update of its status alone
        // (the leader's own status writes, most of all) changes nothing the controller computes: no signal.
        ResourceEventHandler<GrpcBalancer> balancerHandler = new Signal<>(onChange, changes, balancer ->
                List.of(InputRef.grpcBalancer(balancer.getMetadata().getNamespace(), balancer.getMetadata().getName())),
                (old, now) -> !sameVersion(old, now) && !onlyStatusChanged(old, now));
        ResourceEventHandler<Service> serviceHandler = new Signal<>(onChange, changes,
                service -> List.of(InputRef.service(service.getMetadata().getNamespace(), service.getMetadata().getName())),
                (old, now) -> !sameVersion(old, now));
        ResourceEventHandler<EndpointSlice> sliceHandler = new Signal<>(onChange, changes, slice -> serviceOf(slice)
                .map(service -> List.of(InputRef.endpointSlicesOf(slice.getMetadata().getNamespace(), service)))
                .orElse(List.of()), (old, now) -> !sameVersion(old, now));
        ResourceEventHandler<Secret> secretHandler = new Signal<>(onChange, changes,
                secret -> List.of(InputRef.secret(secret.getMetadata().getNamespace(), secret.getMetadata().getName())),
                (old, now) -> !sameVersion(old, now));
        ResourceEventHandler<ConfigMap> configMapHandler = new Signal<>(onChange, changes, configMap ->
                List.of(InputRef.configMap(configMap.getMetadata().getNamespace(), configMap.getMetadata().getName())),
                (old, now) -> !sameVersion(old, now));
        for (Informable<GrpcBalancer> source : scoped(settings, ns -> client.resources(GrpcBalancer.class).inNamespace(ns),
                () -> client.resources(GrpcBalancer.class).inAnyNamespace())) {
            balancers.add(register(source.runnableInformer(0), balancerHandler));
        }
        for (Informable<Service> source : scoped(settings, ns -> client.services().inNamespace(ns),
                () -> client.services().inAnyNamespace())) {
            services.add(register(source.runnableInformer(0), serviceHandler));
        }
        for (Informable<EndpointSlice> source : scoped(settings,
                ns -> client.discovery().v1().endpointSlices().inNamespace(ns),
                () -> client.discovery().v1().endpointSlices().inAnyNamespace())) {
            SharedIndexInformer<EndpointSlice> informer = source.runnableInformer(0);
            informer.addIndexers(Map.of(BY_SERVICE, ClusterCache::serviceKeys));
            slices.add(register(informer, sliceHandler));
        }
        for (Informable<Secret> source : scoped(settings,
                ns -> client.secrets().inNamespace(ns).withoutField("type", HELM_RELEASE_SECRET_TYPE),
                () -> client.secrets().inAnyNamespace().withoutField("type", HELM_RELEASE_SECRET_TYPE))) {
            secrets.add(register(source.runnableInformer(0), secretHandler));
        }
        for (Informable<ConfigMap> source : scoped(settings, ns -> client.configMaps().inNamespace(ns),
                () -> client.configMaps().inAnyNamespace())) {
            configMaps.add(register(source.runnableInformer(0), configMapHandler));
        }
        managedServices = register(client.services().inNamespace(settings.controllerNamespace())
                .withLabels(ManagedServices.ownedSelector()).runnableInformer(0), serviceHandler);
    }

    static <T> List<Informable<T>> scoped(ControllerSettings settings, Function<String, Informable<T>> inNamespace,
            Supplier<Informable<T>> inAny) {
        if (settings.allNamespaces()) {
            return List.of(inAny.get());
        }
        return settings.namespaces().stream().sorted().map(inNamespace).toList();
    }

    private <T extends HasMetadata> SharedIndexInformer<T> register(SharedIndexInformer<T> informer,
            ResourceEventHandler<T> handler) {
        informer.addEventHandler(handler);
        all.add(informer);
        return informer;
    }

    private static List<String> serviceKeys(EndpointSlice slice) {
        return serviceOf(slice).map(service -> List.of(slice.getMetadata().getNamespace() + "/" + service))
                .orElse(List.of());
    }

    private static Optional<String> serviceOf(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        return Optional.ofNullable(labels == null ? null : labels.get(ServiceBackends.SERVICE_NAME_LABEL));
    }

    /**
     * Adds the informers over the Gateway API objects (before {@link #start}), for a cluster that
     * serves them.
     */
    void serveGatewayApi(KubernetesClient client, ControllerSettings settings, boolean referenceGrants) {
        if (gatewayApi != null) {
            throw new IllegalStateException("the Gateway API informers exist already");
        }
        gatewayApi = new GatewayCache(client, settings, referenceGrants, onChange, changes, all::add);
    }

    /** The Gateway API informers, or null where the Gateway API is not served. */
    GatewayCache gatewayApi() {
        return gatewayApi;
    }

    /** The inputs changed since the last call (changes that arrive meanwhile go to the next one). */
    Set<InputRef> takeChanges() {
        Set<InputRef> taken = new HashSet<>();
        for (Iterator<InputRef> it = changes.iterator(); it.hasNext(); ) {
            taken.add(it.next());
            it.remove();
        }
        return taken;
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

    /**
     * The GrpcBalancers for the translation: every add, change (but a status-only one) and delete is
     * noted as an {@link InputRef#grpcBalancer} ref among {@link #takeChanges}, so a run looks up the
     * balancers those name and no other.
     */
    BalancerSource translatedBalancers() {
        return new BalancerSource() {
            @Override
            public Collection<GrpcBalancer> all() {
                return balancers();
            }

            @Override
            public GrpcBalancer balancer(String namespace, String name) {
                return ClusterCache.this.balancer(namespace, name);
            }

            @Override
            public boolean changesReported() {
                return true;
            }
        };
    }

    GrpcBalancer balancer(String namespace, String name) {
        return byKey(balancers, namespace, name);
    }

    @Override
    public Service service(String namespace, String name) {
        return byKey(services, namespace, name);
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

    @Override
    public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
        List<EndpointSlice> list = new ArrayList<>();
        for (SharedIndexInformer<EndpointSlice> informer : slices) {
            list.addAll(informer.getIndexer().byIndex(BY_SERVICE, namespace + "/" + serviceName));
        }
        return list;
    }

    /** Every Gateway of the watched namespaces (empty without the Gateway API). */
    Collection<Gateway> gateways() {
        return gatewayApi == null ? List.of() : gatewayApi.gateways();
    }

    @Override
    public GatewayClass gatewayClass(String name) {
        return gatewayApi == null ? null : gatewayApi.gatewayClass(name);
    }

    @Override
    public Collection<GRPCRoute> grpcRoutes(String gatewayNamespace, String gatewayName) {
        return gatewayApi == null ? List.of() : gatewayApi.grpcRoutes(gatewayNamespace, gatewayName);
    }

    @Override
    public Collection<ReferenceGrant> referenceGrants(String namespace) {
        return gatewayApi == null ? List.of() : gatewayApi.referenceGrants(namespace);
    }

    @Override
    public Map<String, String> namespaceLabels(String name) {
        return gatewayApi == null ? null : gatewayApi.namespaceLabels(name);
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

    private static boolean sameVersion(HasMetadata a, HasMetadata b) {
        String version = a.getMetadata().getResourceVersion();
        return version != null && version.equals(b.getMetadata().getResourceVersion());
    }

    /**
     * Whether only the status (or fields the controller never reads, such as managedFields) of a
     * balancer changed: the same object, spec generation, labels, annotations and deletion mark.
     */
    static boolean onlyStatusChanged(GrpcBalancer old, GrpcBalancer now) {
        ObjectMeta a = old.getMetadata();
        ObjectMeta b = now.getMetadata();
        return a.getGeneration() != null && a.getGeneration().equals(b.getGeneration())
                && Objects.equals(a.getUid(), b.getUid())
                && Objects.equals(a.getLabels(), b.getLabels())
                && Objects.equals(a.getAnnotations(), b.getAnnotations())
                && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp());
    }

    /**
     * Every event notes the inputs it touched (before and after an update: a slice may move to
     * another Service) and signals; the reconcile loop reads the stores itself. An update signals
     * only when {@code matters} says it changed something.
     */
    record Signal<T extends HasMetadata>(Runnable onChange, Set<InputRef> changes,
            Function<T, List<InputRef>> inputs, BiPredicate<T, T> matters) implements ResourceEventHandler<T> {

        /** Every new version of an object matters. */
        Signal(Runnable onChange, Set<InputRef> changes, Function<T, List<InputRef>> inputs) {
            this(onChange, changes, inputs, (old, now) -> !sameVersion(old, now));
        }

        /**
         * For kinds whose spec is all the translation reads (their status is written by the
         * controller itself): an update of the same generation is no change.
         */
        static <T extends HasMetadata> Signal<T> ofSpec(Runnable onChange, Set<InputRef> changes,
                Function<T, List<InputRef>> inputs) {
            return new Signal<>(onChange, changes, inputs, (old, now) -> !sameVersion(old, now) && !sameGeneration(old, now));
        }

        @Override
        public void onAdd(T obj) {
            changes.addAll(inputs.apply(obj));
            onChange.run();
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            if (matters.test(oldObj, newObj)) {
                changes.addAll(inputs.apply(oldObj));
                changes.addAll(inputs.apply(newObj));
                onChange.run();
            }
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changes.addAll(inputs.apply(obj));
            onChange.run();
        }

        private static boolean sameGeneration(HasMetadata a, HasMetadata b) {
            Long generation = a.getMetadata().getGeneration();
            return generation != null && generation.equals(b.getMetadata().getGeneration())
                    && Objects.equals(a.getMetadata().getUid(), b.getMetadata().getUid());
        }
    }
}
