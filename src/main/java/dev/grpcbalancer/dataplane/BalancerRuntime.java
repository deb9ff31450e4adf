package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * What a listener serves right now: one balancer's config, its load balancer, its retry budget
 * and its meters. Immutable (the budget's counters and the meters aside).
 *
 * @param hashHeader the header whose first value is a call's ConsistentHash key, or null when the
 *     policy hashes nothing
 */
record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer, RetryBudget retryBudget, BalancerMeters meters,
        AsciiString hashHeader) {

    /** A new config for a running balancer: load and budget state carry over, the meters stay. */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, Locality local) {
        return of(config, previous, previous.meters(), local);
    }

    /** @param local where this data plane runs (zone, node), for zone-aware routing */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters, Locality local) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        RetryBudget budget = previous != null && previous.config().retry().equals(config.retry())
                ? previous.retryBudget()
                : new RetryBudget(config.retry().budgetPercent(), config.retry().minRetriesPerSecond(), System::nanoTime);
        String header = config.loadBalancing().consistentHash().header();
        return new BalancerRuntime(config, LoadBalancer.create(config, previousBalancer, local), budget, meters,
                config.policy() == LoadBalancingPolicy.ConsistentHash && !header.isEmpty() ? AsciiString.cached(header)
                        : null);
    }

    /** The call's ConsistentHash key: the first value of the hashed header, or null. */
    CharSequence hashKey(Http2Headers requestHeaders) {
        return hashHeader == null ? null : requestHeaders.get(hashHeader);
    }
}
