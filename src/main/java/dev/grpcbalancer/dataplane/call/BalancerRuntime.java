package dev.grpcbalancer.dataplane.call;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import java.util.function.LongSupplier;

/**
 * Everything a call reads about its balancer, resolved once when its HEADERS arrive: the config
 * (retry or hedging policy, timeouts, outlier detection), the load balancer that picks its
 * endpoints, the retry budget and the meters. Immutable (the budget's counters, the balancer's
 * loads and the meters aside).
 */
public record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer, RetryBudget retryBudget,
        BalancerMeters meters) {

    public BalancerRuntime {
        requireNonNull(config, "config");
        requireNonNull(loadBalancer, "loadBalancer");
        requireNonNull(retryBudget, "retryBudget");
        requireNonNull(meters, "meters");
    }

    /**
     * The runtime of {@code config}; with a {@code previous} runtime of the same balancer, its
     * per-endpoint load and health carry over, and its retry budget when the budget's settings
     * did not change. Time (ejections, slow start, the budget's reserve) comes from {@code ticker}.
     */
    public static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters,
            LongSupplier ticker) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        RetryBudget budget = previous != null
                && previous.config().retry().budgetPercent() == config.retry().budgetPercent()
                && previous.config().retry().minRetriesPerSecond() == config.retry().minRetriesPerSecond()
                ? previous.retryBudget()
                : new RetryBudget(config.retry().budgetPercent(), config.retry().minRetriesPerSecond(), ticker);
        return new BalancerRuntime(config, LoadBalancer.create(config, previousBalancer, ticker), budget, meters);
    }
}
