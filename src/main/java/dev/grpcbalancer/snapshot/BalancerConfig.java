package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * Everything the data plane needs to run one balancer.
 *
 * @param generation the source's generation of the balancer (metadata.generation), reported by
 *     admin endpoints; a change of generation alone does not restart anything
 */
public record BalancerConfig(
        BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends) {

    public BalancerConfig {
        requireNonNull(id, "id");
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        if (listenerPort < 1 || listenerPort > 65535) {
            throw new IllegalArgumentException("listenerPort must be 1..65535: " + listenerPort);
        }
    }

    public BalancerConfig withBackends(BackendSet newBackends) {
        return new BalancerConfig(id, generation, listenerPort, policy, newBackends);
    }
}
