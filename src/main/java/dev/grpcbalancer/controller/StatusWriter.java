package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerStatus;
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.status.StatusBuilder;
import dev.grpcbalancer.snapshot.BalancerId;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the controller writes to the API server, on one thread of its own so that a slow
 * API server never delays a snapshot: status patches, Events and managed Services. The reconcile
 * loop {@link #submit}s its newest plan; plans that arrive within the batch delay replace each
 * other and go out together. Only the leader writes; a write is made only when the object differs
 * from what the informer shows, so resyncs and unchanged plans cost nothing: a balancer whose
 * desired status (the same instance: the planner reuses it while its inputs are unchanged) was
 * already found equal to the same informer object is not compared again.
 */
final class StatusWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

    /** What should be true in the API server. */
    record Plan(Map<BalancerId, DesiredStatus> statuses, List<ManagedServices.Want> services,
            GatewayStatusWriter.Plan gateways) {

        Plan {
            statuses = Map.copyOf(requireNonNull(statuses, "statuses"));
            services = List.copyOf(requireNonNull(services, "services"));
            requireNonNull(gateways, "gateways");
        }
    }

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final ManagedServices managedServices;
    private final EventRecorder events;
    private final GatewayStatusWriter gatewayStatuses;
    private final Leadership leadership;
    private final Duration batch;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final AtomicReference<Plan> pending = new AtomicReference<>();
    private final AtomicLong statusWrites = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /**
     * Per balancer, the desired status and the informer object last found equal; writer thread only.
     * Kept in place (a flush over a thousand balancers builds no map): an entry goes when its
     * balancer leaves the plan, is written or could not be.
     */
    private final Map<BalancerId, Written> written = new HashMap<>();

    private record Written(DesiredStatus desired, GrpcBalancer object) {
    }

    /** {@code managedServices} is null when no pod selector is configured (no Services are kept). */
    StatusWriter(KubernetesClient client, ClusterCache cache, ManagedServices managedServices, EventRecorder events,
            Leadership leadership, Duration batch, Clock clock) {
        this.client = requireNonNull(client, "client");
        this.cache = requireNonNull(cache, "cache");
        this.managedServices = managedServices;
        this.events = requireNonNull(events, "events");
        this.leadership = requireNonNull(leadership, "leadership");
        this.batch = requireNonNull(batch, "batch");
        this.clock = requireNonNull(clock, "clock");
        this.gatewayStatuses = new GatewayStatusWriter(client, cache, clock);
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "grpc-balancer-status-writer");
            thread.setDaemon(true);
            return thread;
        });
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = pool;
    }

    /** Hands over the newest plan; it is written after the batch delay (if this replica leads). */
    void submit(Plan plan) {
        requireNonNull(plan, "plan");
        if (pending.getAndSet(plan) == null && !executor.isShutdown()) {
            executor.schedule(this::flush, batch.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Status patches made so far (for tests and metrics). */
    long statusWrites() {
        return statusWrites.get();
    }

    /**
     * Writes to the API server that failed so far: status patches, managed Service changes, and
     * flushes cut short by an unexpected error (Events are best effort and not counted).
     */
    long writeFailures() {
        return failures.get() + (managedServices == null ? 0 : managedServices.failures());
    }

    private void flush() {
        Plan plan = pending.getAndSet(null);
        if (plan == null || !leadership.isLeader()) {
            return;
        }
        try {
            if (managedServices != null) {
                managedServices.sync(plan.services(), cache.managedServices());
            }
            Map<BalancerId, DesiredStatus> statuses = plan.statuses();
            written.keySet().retainAll(statuses.keySet()); // balancers gone from the plan
            statuses.forEach(this::writeStatus);
            statusWrites.addAndGet(gatewayStatuses.write(plan.gateways()));
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            log.error("writing status failed; the next change or recheck retries: {}", e.toString(), e);
        }
    }

    /** Writes {@code desired} unless the object shows it; notes it in {@link #written} once it does. */
    private void writeStatus(BalancerId id, DesiredStatus desired) {
        GrpcBalancer current = cache.balancer(id.namespace(), id.name());
        if (current == null || !leadership.isLeader()) {
            written.remove(id);
            return; // deleted meanwhile: nothing to report on
        }
        Written known = written.get(id);
        if (known != null && known.desired == desired && known.object == current) {
            return;
        }
        written.remove(id); // noted again once the object shows the status
        GrpcBalancerStatus old = current.getStatus();
        List<Condition> oldConditions = old == null ? null : old.getConditions();
        GrpcBalancerStatus status = new GrpcBalancerStatus();
        status.setObservedGeneration(desired.generation());
        status.setConditions(Conditions.merge(oldConditions, desired.conditions(), desired.generation(), clock.instant()));
        status.setEndpoints(desired.endpoints());
        status.setReadyEndpoints(desired.readyEndpoints());
        status.setRuleCount(desired.ruleCount());
        status.setRules(desired.rules());
        status.setAddresses(desired.addresses());
        status.setZoneRouting(desired.zoneRouting());
        if (status.equals(old)) {
            written.put(id, new Written(desired, current));
            return;
        }
        // A JSON patch that sets the whole status: lists (conditions, addresses) are replaced, never
        // merged, and no resourceVersion is needed (only the leader writes status). Addressed through
        // the informer's object: by name, the client would GET the object before every patch.
        String patch = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + Serialization.asJson(status) + "}]";
        try {
            client.resources(GrpcBalancer.class).inNamespace(id.namespace()).resource(current)
                    .subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
            statusWrites.incrementAndGet();
        } catch (KubernetesClientException e) {
            failures.incrementAndGet();
            log.warn("[{}] could not write status: {}", id, e.getMessage());
            return;
        }
        for (Conditions.Desired condition : desired.conditions()) {
            Optional<Condition> before = oldConditions == null ? Optional.empty() : Conditions.find(oldConditions, condition.type());
            boolean changed = before.isEmpty() || !Objects.equals(before.get().getStatus(), condition.status())
                    || !Objects.equals(before.get().getReason(), condition.reason());
            boolean good = "True".equals(condition.status());
            // Warnings for every condition that turns bad; Normal events only for news: programmed,
            // or recovered from False.
            boolean news = !good || condition.type().equals(StatusBuilder.PROGRAMMED)
                    || before.map(c -> "False".equals(c.getStatus())).orElse(false);
            if (changed && news && !"Unknown".equals(condition.status())) {
                log.info("[{}] {}={} {}: {}", id, condition.type(), condition.status(), condition.reason(), condition.message());
                events.record(current, good ? "Normal" : "Warning", condition.reason(), condition.message());
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
