package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.snapshot.BalancerConfig;

/**
 * What a listener serves right now: one balancer's config, its load balancer and its retry
 * budget. Immutable (the budget's counters aside).
 */
record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer, RetryBudget retryBudget) {

    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        RetryBudget budget = previous != null && previous.config().retry().equals(config.retry())
                ? previous.retryBudget()
                : new RetryBudget(config.retry().budgetPercent(), config.retry().minRetriesPerSecond(), System::nanoTime);
        return new BalancerRuntime(config, LoadBalancer.create(config, previousBalancer), budget);
    }
}
