package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Everything the data plane needs to run one balancer.
 *
 * @param generation the source's generation of the balancer (metadata.generation), reported by
 *     admin endpoints; a change of generation alone does not restart anything
 * @param slowStartWindow a newly added or newly healthy endpoint's share of calls ramps up over
 *     this long; {@link Duration#ZERO} for no ramp
 * @param loadBalancing the tunables of the policies (PeakEwma, ConsistentHash) and of zone-aware
 *     routing
 * @param listener how long client connections live (max age, grace, idle timeout)
 * @param keepalive HTTP/2 PINGs on the connections to the backends
 */
public record BalancerConfig(
        BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
        RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
        Duration slowStartWindow, LoadBalancingOptions loadBalancing, ListenerLifecycle listener,
        Keepalive keepalive) {

    public BalancerConfig {
        requireNonNull(id, "id");
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        requireNonNull(retry, "retry");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(slowStartWindow, "slowStartWindow");
        requireNonNull(loadBalancing, "loadBalancing");
        requireNonNull(listener, "listener");
        requireNonNull(keepalive, "keepalive");
        if (listenerPort < 1 || listenerPort > 65535) {
            throw new IllegalArgumentException("listenerPort must be 1..65535: " + listenerPort);
        }
        if (slowStartWindow.isNegative()) {
            throw new IllegalArgumentException("slowStartWindow must not be negative: " + slowStartWindow);
        }
    }

    /** A balancer with the default policy tunables, connection lifecycle and keepalive. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy,
            BackendSet backends, RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection,
            HealthCheck healthCheck, Duration slowStartWindow) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, LoadBalancingOptions.DEFAULT, ListenerLifecycle.DEFAULT, Keepalive.DEFAULT);
    }

    /** A balancer with the default retries, timeouts and health checking, and no slow start. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy,
            BackendSet backends) {
        this(id, generation, listenerPort, policy, backends, RetryPolicy.DEFAULT, Timeouts.DEFAULT,
                OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO);
    }

    public BalancerConfig withBackends(BackendSet newBackends) {
        return new BalancerConfig(id, generation, listenerPort, policy, newBackends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withRetry(RetryPolicy newRetry) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, newRetry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withTimeouts(Timeouts newTimeouts) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, newTimeouts,
                outlierDetection, healthCheck, slowStartWindow, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withOutlierDetection(OutlierDetection newOutlierDetection) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                newOutlierDetection, healthCheck, slowStartWindow, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withHealthCheck(HealthCheck newHealthCheck) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, newHealthCheck, slowStartWindow, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withSlowStartWindow(Duration window) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, window, loadBalancing, listener, keepalive);
    }

    public BalancerConfig withLoadBalancing(LoadBalancingOptions options) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, options, listener, keepalive);
    }

    public BalancerConfig withListener(ListenerLifecycle lifecycle) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, loadBalancing, lifecycle, keepalive);
    }

    public BalancerConfig withKeepalive(Keepalive newKeepalive) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, loadBalancing, listener, newKeepalive);
    }
}
