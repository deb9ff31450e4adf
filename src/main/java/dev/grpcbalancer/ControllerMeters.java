package dev.grpcbalancer;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.BalancerController;
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.status.StatusBuilder;
import dev.grpcbalancer.snapshot.BalancerId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The controller's meters ({@code grpcbalancer_controller_*}): reconcile runs, their failures and
 * duration, the time from an informer event to the published snapshot, snapshot changes, informer
 * state, leadership, status writes and failed writes, and per balancer whether each condition of
 * its status is True ({@code grpcbalancer_controller_balancer_condition{balancer, condition}}: 1 or
 * 0, as this replica computes it). Lives in the composition root because the controller may not
 * depend on Micrometer.
 */
final class ControllerMeters implements BalancerController.Observer {

    private final MeterRegistry registry;
    private final Counter reconciles;
    private final Counter snapshotApplies;
    private final Timer reconcileDuration;
    private final Timer eventToSnapshot;
    /** What the condition gauges read: the newest planned statuses. */
    private volatile Map<BalancerId, DesiredStatus> statuses = Map.of();
    /** The condition gauges per balancer; only the reconcile thread changes them. */
    private final Map<BalancerId, List<Meter>> conditionGauges = new HashMap<>();

    ControllerMeters(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        reconciles = Counter.builder("grpcbalancer.controller.reconciles")
                .description("Reconcile runs (each rebuilds the routing state)").register(registry);
        snapshotApplies = Counter.builder("grpcbalancer.controller.snapshot.applies")
                .description("Reconcile runs whose routing snapshot differed from the previous one").register(registry);
        reconcileDuration = Timer.builder("grpcbalancer.controller.reconcile.duration")
                .description("Time of one reconcile run, translation and publish").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        eventToSnapshot = Timer.builder("grpcbalancer.controller.event.to.snapshot")
                .description("From an informer event to the data plane having the snapshot that includes it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Gauges and counters read from the running controller. */
    void bind(BalancerController controller) {
        Gauge.builder("grpcbalancer.controller.is.leader", controller, c -> c.isLeader() ? 1 : 0)
                .description("1 when this replica holds the Lease and writes status").register(registry);
        Gauge.builder("grpcbalancer.controller.informers.synced", controller, c -> c.isReady() ? 1 : 0)
                .description("1 once every informer has listed and the first snapshot is published").register(registry);
        Gauge.builder("grpcbalancer.controller.informers.watching", controller, c -> c.isWatching() ? 1 : 0)
                .description("1 while every informer's watch is open (0 while the API server is unreachable)")
                .register(registry);
        FunctionCounter.builder("grpcbalancer.controller.status.writes", controller, BalancerController::statusWrites)
                .description("Status patches written by this replica").register(registry);
        FunctionCounter.builder("grpcbalancer.controller.reconcile.failures", controller,
                        BalancerController::reconcileFailures)
                .description("Reconcile runs that failed with an error (retried at the next change or recheck)")
                .register(registry);
        FunctionCounter.builder("grpcbalancer.controller.write.failures", controller, BalancerController::writeFailures)
                .description("Writes to the API server that failed: status patches and managed Services").register(registry);
    }

    /** Keeps one gauge per balancer and condition: added for new balancers, removed for deleted ones. */
    @Override
    public void planned(Map<BalancerId, DesiredStatus> planned) {
        statuses = planned;
        if (planned.keySet().equals(conditionGauges.keySet())) {
            return;
        }
        conditionGauges.keySet().removeIf(id -> {
            if (planned.containsKey(id)) {
                return false;
            }
            conditionGauges.get(id).forEach(registry::remove);
            return true;
        });
        for (BalancerId id : planned.keySet()) {
            conditionGauges.computeIfAbsent(id, this::registerConditions);
        }
    }

    private List<Meter> registerConditions(BalancerId id) {
        List<Meter> gauges = new ArrayList<>();
        for (String type : List.of(StatusBuilder.ACCEPTED, StatusBuilder.RESOLVED_REFS, StatusBuilder.PROGRAMMED,
                StatusBuilder.BACKENDS_AVAILABLE)) {
            gauges.add(Gauge.builder("grpcbalancer.controller.balancer.condition", this, m -> m.isTrue(id, type))
                    .tags("balancer", id.toString(), "condition", type)
                    .description("1 when the balancer's status condition is True, 0 when False or Unknown"
                            + " (as this replica computes it)")
                    .register(registry));
        }
        return gauges;
    }

    private double isTrue(BalancerId id, String type) {
        DesiredStatus status = statuses.get(id);
        if (status != null) {
            for (Conditions.Desired condition : status.conditions()) {
                if (condition.type().equals(type)) {
                    return Conditions.TRUE.equals(condition.status()) ? 1 : 0;
                }
            }
        }
        return 0;
    }

    @Override
    public void reconciled(long eventNanos, long startNanos, long publishedNanos, boolean snapshotChanged) {
        reconciles.increment();
        reconcileDuration.record(publishedNanos - startNanos, TimeUnit.NANOSECONDS);
        if (snapshotChanged) {
            snapshotApplies.increment();
            eventToSnapshot.record(Math.max(0, publishedNanos - eventNanos), TimeUnit.NANOSECONDS);
        }
    }
}
