package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/** Builds the policies; tests pass their own clock. */
final class LoadBalancers {

    private LoadBalancers() {
    }

    /** A balancer with the default policy tunables, outside any zone. */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous,
            OutlierDetection outlier, HealthCheck health, Duration slowStart, LongSupplier nanoTime) {
        return create(policy, backends, previous, new Settings(outlier, health.panicThresholdPercent(),
                slowStart.toNanos(), LoadBalancingOptions.DEFAULT, Locality.NONE, nanoTime));
    }

    /**
     * The policy over the ready endpoints of {@code backends} (the draining ones when none is
     * ready), behind zone-aware routing; per-endpoint state carries over from {@code previous}.
     */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous,
            Settings settings) {
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        EndpointLoads loads = EndpointLoads.carryOver(backends,
                previous instanceof ZoneAwareLoadBalancer p ? p.loads() : null,
                settings.slowStartNanos() == 0 ? 0 : settings.nanoTime().getAsLong());
        List<Endpoint> ready = backends.endpoints().stream().filter(e -> e.state() == EndpointState.READY).toList();
        List<Endpoint> candidates = ready.isEmpty() ? backends.endpoints() : ready;
        ZonePlan plan = ZonePlan.of(ready, settings.local(), policy);
        return new ZoneAwareLoadBalancer(candidates, plan, loads, settings,
                (group, front) -> policy(policy, group, loads, settings, front));
    }

    private static WeightedLoadBalancer policy(LoadBalancingPolicy policy, List<Endpoint> candidates,
            EndpointLoads loads, Settings settings, LoadBalancer front) {
        return switch (policy) {
            case RoundRobin -> new RoundRobinLoadBalancer(candidates, loads, settings, front);
            case LeastRequest -> new LeastRequestLoadBalancer(candidates, loads, settings, front);
            case Random -> new RandomLoadBalancer(candidates, loads, settings, front);
            case PeakEwma -> new PeakEwmaLoadBalancer(candidates, loads, settings, front);
            case ConsistentHash -> new ConsistentHashLoadBalancer(candidates, loads, settings, front);
        };
    }

    /**
     * What the policies share: outlier detection, panic threshold, slow start, the policies'
     * tunables, where this balancer runs, and the clock.
     */
    record Settings(OutlierDetection outlier, int panicThresholdPercent, long slowStartNanos,
            LoadBalancingOptions options, Locality local, LongSupplier nanoTime) {

        Settings {
            requireNonNull(outlier, "outlier");
            requireNonNull(options, "options");
            requireNonNull(local, "local");
            requireNonNull(nanoTime, "nanoTime");
        }
    }
}
