package dev.grpcbalancer;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.BalancerController;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The controller's meters ({@code grpcbalancer_controller_*}): reconcile runs and their duration,
 * the time from an informer event to the published snapshot, snapshot changes, informer state,
 * leadership and status writes. Lives in the composition root because the controller may not
 * depend on Micrometer.
 */
final class ControllerMeters implements BalancerController.Observer {

    private final MeterRegistry registry;
    private final Counter reconciles;
    private final Counter snapshotApplies;
    private final Timer reconcileDuration;
    private final Timer eventToSnapshot;

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
