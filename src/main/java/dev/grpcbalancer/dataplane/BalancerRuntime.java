package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;

/**
 * What a listener serves right now: one balancer's config, its load balancer, its retry budget
 * and its meters. Immutable (the budget's counters and the meters aside).
 */
record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer, RetryBudget retryBudget, BalancerMeters meters) {

    /** A new config for a running balancer: load and budget state carry over, the meters stay. */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous) {
        return of(config, previous, previous.meters());
    }

    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        RetryBudget budget = previous != null && previous.config().retry().equals(config.retry())
                ? previous.retryBudget()
                : new RetryBudget(config.retry().budgetPercent(), config.retry().minRetriesPerSecond(), System::nanoTime);
        return new BalancerRuntime(config, LoadBalancer.create(config, previousBalancer), budget, meters);
    }
}
