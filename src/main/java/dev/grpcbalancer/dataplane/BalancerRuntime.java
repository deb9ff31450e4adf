package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.snapshot.BalancerConfig;

/** What a listener serves right now: one balancer's config and its load balancer. Immutable. */
record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer) {

    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        return new BalancerRuntime(config, LoadBalancer.create(config.policy(), config.backends(), previousBalancer));
    }
}
