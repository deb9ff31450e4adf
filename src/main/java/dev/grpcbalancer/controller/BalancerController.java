package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.BalancerSource;
import dev.grpcbalancer.controller.translate.ClusterTranslator;
import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.LastValidSpecs;
import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerStates;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes controller: informers over GrpcBalancers, Services, EndpointSlices, Secrets and
 * ConfigMaps feed one reconcile thread, which translates the cluster state into a routing snapshot for the data plane
 * ({@link ClusterTranslator}, again only for the balancers whose inputs changed) and a status per
 * balancer ({@link StatusPlanner}). The leader writes status, Events and managed Services on a
 * thread of its own ({@link StatusWriter}).
 *
 * <pre>
 * informer events --trigger--> ReconcileLoop --translate--> SnapshotSink.publish (every replica)
 *                                              \--plan----> StatusWriter (leader only)
 * </pre>
 */
public final class BalancerController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BalancerController.class);

    /** Told about every reconcile run, e.g. to measure it. Runs on the reconcile thread. */
    public interface Observer {

        Observer NONE = (eventNanos, startNanos, publishedNanos, changed) -> { };

        /**
         * Times are {@link System#nanoTime} values.
         *
         * @param eventNanos when the first event the run handled arrived
         * @param startNanos when the run started (after the hold-off)
         * @param publishedNanos when the snapshot had been handed to the data plane
         * @param snapshotChanged whether the snapshot differed from the previous one
         */
        void reconciled(long eventNanos, long startNanos, long publishedNanos, boolean snapshotChanged);

        /**
         * The status this replica wants each balancer to have after a run (as the leader writes
         * it; every replica computes it, with its own listeners' state). The map is immutable; an
         * unchanged balancer keeps its {@link DesiredStatus} instance.
         */
        default void planned(Map<BalancerId, DesiredStatus> statuses) {
        }
    }

    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final SnapshotSink sink;
    private final ListenerStates listeners;
    private final Observer observer;
    private final ClusterCache cache;
    private final ReconcileLoop loop;
    private final Leadership leadership;
    private final StatusWriter writer;
    private final ManagedServices managedServices;

    private final StatusPlanner statuses;
    private final BalancerSource balancers;

    private final Clock clock;

    // Owned by the reconcile thread (and start(), before the thread runs).
    private final KeyMaterialCache keys = new KeyMaterialCache();
    private final Map<BalancerId, GrpcBalancer> lastValid = new HashMap<>();
    private ClusterTranslator.Memo memo = ClusterTranslator.Memo.EMPTY;
    private Map<BalancerId, BalancerOutcome> lastOutcomes = Map.of();
    private Map<ObjectKey, GatewayOutcome> lastGateways = Map.of();
    private RoutingSnapshot published;
    private volatile boolean ready;

    public BalancerController(KubernetesClient client, ControllerSettings settings, SnapshotSink sink,
            ListenerStates listeners, Clock clock, Observer observer) {
        this.client = requireNonNull(client, "client");
        this.settings = requireNonNull(settings, "settings");
        this.sink = requireNonNull(sink, "sink");
        this.listeners = requireNonNull(listeners, "listeners");
        this.observer = requireNonNull(observer, "observer");
        this.clock = requireNonNull(clock, "clock");
        this.loop = new ReconcileLoop(settings.holdOff(), settings.recheck(), this::reconcile);
        this.cache = new ClusterCache(client, settings, loop::trigger);
        this.balancers = cache.translatedBalancers();
        this.leadership = new Leadership(client, settings, loop::trigger);
        this.managedServices = settings.podSelector().isEmpty() ? null
                : new ManagedServices(client, settings.controllerNamespace(), settings.podSelector());
        this.statuses = new StatusPlanner(managedServices != null, settings.controllerNamespace(), cache::managedService);
        this.writer = new StatusWriter(client, cache, managedServices,
                new EventRecorder(client, settings.identity(), clock), leadership, settings.statusBatch(), clock);
        listeners.onListenerChange(loop::trigger);
    }

    /**
     * Asks the API server whether it serves the Gateway API (and adds its informers if so), starts
     * the informers, waits until each has listed once, publishes the first snapshot, then runs the
     * reconcile loop and stands for leader election.
     *
     * @throws IllegalStateException when the informers did not sync within {@code syncTimeout}
     */
    public void start(Duration syncTimeout) throws InterruptedException {
        GatewayApiDiscovery gatewayApi = settings.gatewayApi() ? discoverGatewayApi(syncTimeout)
                : GatewayApiDiscovery.TURNED_OFF;
        if (gatewayApi.enabled()) {
            cache.serveGatewayApi(client, settings, gatewayApi.referenceGrants());
            log.info("Gateway API support is on: serving Gateways of GatewayClasses with controllerName {}{}",
                    GatewayApi.CONTROLLER_NAME, gatewayApi.referenceGrants() ? ""
                            : " (no ReferenceGrant CRD: references to other namespaces are never permitted)");
        } else {
            log.info("Gateway API support is off: {}", gatewayApi.whyOff());
        }
        log.info("watching {} (controller namespace {}, identity {})",
                settings.allNamespaces() ? "all namespaces" : "namespaces " + settings.namespaces().stream().sorted().toList(),
                settings.controllerNamespace(), settings.identity());
        if (managedServices == null) {
            log.warn("no pod selector given (--pod-selector): no Services are kept for balancers;"
                    + " reach the balancer pods on the listener ports yourself");
        }
        try {
            cache.start().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not list from the API server: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("informers did not sync within " + syncTimeout.toSeconds() + " s");
        }
        reconcile(System.nanoTime());
        ready = true;
        loop.start();
        leadership.start();
    }

    /** Asks the API server about the Gateway API, within {@code timeout} (the client retries by itself). */
    private GatewayApiDiscovery discoverGatewayApi(Duration timeout) throws InterruptedException {
        CompletableFuture<GatewayApiDiscovery> asked = CompletableFuture.supplyAsync(() -> GatewayApiDiscovery.ask(client));
        try {
            return asked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not ask the API server which APIs it serves: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            asked.cancel(true);
            throw new IllegalStateException("the API server did not answer API discovery within "
                    + timeout.toSeconds() + " s");
        }
    }

    /** Informers synced and the first snapshot published. */
    public boolean isReady() {
        return ready;
    }

    public boolean isLeader() {
        return leadership.isLeader();
    }

    /** Whether every informer's watch is open now (false while the API server is unreachable). */
    public boolean isWatching() {
        return cache.isWatching();
    }

    /** Status patches this replica has made. */
    public long statusWrites() {
        return writer.statusWrites();
    }

    /** Reconcile runs that failed with an error (logged; the next change or recheck runs again). */
    public long reconcileFailures() {
        return loop.failures();
    }

    /** Writes to the API server (status patches, managed Services) that failed on this replica. */
    public long writeFailures() {
        return writer.writeFailures();
    }

    private void reconcile(long eventNanos) {
        long startNanos = System.nanoTime();
        // Changes first, then the stores: a change that lands in between is translated now and again next run.
        Set<InputRef> changed = cache.takeChanges();
        ClusterTranslator.Result result = ClusterTranslator.translate(balancers, cache.gateways(), cache, lastValid,
                published == null ? RoutingSnapshot.EMPTY : published, memo, changed, keys, clock.instant());
        keys.retainUsed();
        memo = result.memo();
        LastValidSpecs.update(result, lastValid);
        boolean changedSnapshot = !result.snapshot().equals(published);
        sink.publish(result.snapshot());
        published = result.snapshot();
        observer.reconciled(eventNanos, startNanos, System.nanoTime(), changedSnapshot);
        logChanges(result);
        StatusWriter.Plan plan = statuses.plan(result, lastValid, listeners.listenerStates(), changed);
        writer.submit(plan);
        observer.planned(plan.statuses());
    }

    /**
     * Logs each balancer whose outcome changed, on every replica (status is written by the leader
     * only): the translator names them, the others' outcomes are the same instances.
     */
    private void logChanges(ClusterTranslator.Result result) {
        for (BalancerId id : result.changed()) {
            BalancerOutcome outcome = result.outcomes().get(id);
            BalancerOutcome before = lastOutcomes.get(id);
            String summary = summary(outcome);
            if (before == null || !summary.equals(summary(before))) {
                if (outcome.isAccepted() && outcome.certificateProblems().isEmpty()) {
                    log.info("[{}] {}", id, summary);
                } else {
                    log.warn("[{}] {}", id, summary);
                }
            }
        }
        for (BalancerId gone : result.removed()) {
            log.info("[{}] deleted", gone);
        }
        lastOutcomes = result.outcomes();
        for (GatewayOutcome outcome : result.gateways().values()) {
            GatewayOutcome before = lastGateways.get(outcome.id());
            if (outcome != before && (before == null || !summary(outcome).equals(summary(before)))) {
                log.info("[{}] Gateway {}", outcome.id(), summary(outcome));
            }
        }
        for (ObjectKey gone : lastGateways.keySet()) {
            if (!result.gateways().containsKey(gone)) {
                log.info("[{}] Gateway deleted or no longer of this controller", gone);
            }
        }
        lastGateways = result.gateways();
    }

    private static String summary(GatewayOutcome outcome) {
        if (outcome.candidate().notAccepted() != null) {
            return "not accepted: " + outcome.candidate().notAccepted().message();
        }
        List<String> parts = new ArrayList<>();
        outcome.configs().forEach(config -> parts.add("port " + config.listenerPort() + ": "
                + config.routes().size() + " rule(s)"));
        outcome.portHolders().forEach((port, holder) -> parts.add("port " + port + " held by "
                + GatewayTranslator.describe(holder)));
        return parts.isEmpty() ? "serving no port" : String.join(", ", parts);
    }

    private static String summary(BalancerOutcome outcome) {
        if (!outcome.isValid()) {
            return "invalid: " + outcome.errors();
        } else if (outcome.portHolder() != null) {
            return "port " + outcome.resource().getSpec().getListener().getPort() + " held by " + outcome.portHolder();
        } else if (outcome.config() == null) {
            return "not serving: no valid certificate: " + outcome.certificateProblems();
        } else if (!outcome.certificateProblems().isEmpty()) {
            return "serving on port " + outcome.config().listenerPort()
                    + "; certificate problems, the last valid certificates keep serving: " + outcome.certificateProblems();
        }
        return "serving on port " + outcome.config().listenerPort();
    }

    /** Stops writing (gives up the Lease) and watching; the data plane keeps the last snapshot. */
    @Override
    public void close() {
        leadership.close();
        loop.close();
        writer.close();
        cache.close();
    }
}
