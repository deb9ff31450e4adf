package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.function.LongSupplier;

/** Builds the policies; tests pass their own clock. */
final class LoadBalancers {

    private LoadBalancers() {
    }

    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous,
            OutlierDetection outlier, HealthCheck health, Duration slowStart, LongSupplier nanoTime) {
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        Health options = new Health(outlier, health.panicThresholdPercent(), slowStart.toNanos(), nanoTime);
        EndpointLoads loads = EndpointLoads.carryOver(backends,
                previous instanceof WeightedLoadBalancer w ? w.loads() : null,
                slowStart.isZero() ? 0 : nanoTime.getAsLong());
        return switch (policy) {
            case RoundRobin -> new RoundRobinLoadBalancer(backends, loads, options);
            case LeastRequest -> new LeastRequestLoadBalancer(backends, loads, options);
            case Random -> new RandomLoadBalancer(backends, loads, options);
        };
    }

    /** What the policies share about health: outlier detection, panic threshold, slow start and the clock. */
    record Health(OutlierDetection outlier, int panicThresholdPercent, long slowStartNanos, LongSupplier nanoTime) {
    }
}
