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
 * @param listenerTls TLS on the listener, {@link ListenerTls#PLAINTEXT} for h2c
 * @param backendTls TLS to the backends, {@link BackendTls#PLAINTEXT} for h2c
 */
public record BalancerConfig(
        BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
        RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
        Duration slowStartWindow, ListenerTls listenerTls, BackendTls backendTls) {

    public BalancerConfig {
        requireNonNull(id, "id");
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        requireNonNull(retry, "retry");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(slowStartWindow, "slowStartWindow");
        requireNonNull(listenerTls, "listenerTls");
        requireNonNull(backendTls, "backendTls");
        if (listenerPort < 1 || listenerPort > 65535) {
            throw new IllegalArgumentException("listenerPort must be 1..65535: " + listenerPort);
        }
        if (slowStartWindow.isNegative()) {
            throw new IllegalArgumentException("slowStartWindow must not be negative: " + slowStartWindow);
        }
    }

    /** A plaintext balancer with these settings. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy,
            BackendSet backends, RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection,
            HealthCheck healthCheck, Duration slowStartWindow) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, ListenerTls.PLAINTEXT, BackendTls.PLAINTEXT);
    }

    /** A plaintext balancer with the default retries, timeouts and health checking, and no slow start. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy,
            BackendSet backends) {
        this(id, generation, listenerPort, policy, backends, RetryPolicy.DEFAULT, Timeouts.DEFAULT,
                OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO);
    }

    public BalancerConfig withBackends(BackendSet newBackends) {
        return new BalancerConfig(id, generation, listenerPort, policy, newBackends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, listenerTls, backendTls);
    }

    public BalancerConfig withRetry(RetryPolicy newRetry) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, newRetry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, listenerTls, backendTls);
    }

    public BalancerConfig withTimeouts(Timeouts newTimeouts) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, newTimeouts,
                outlierDetection, healthCheck, slowStartWindow, listenerTls, backendTls);
    }

    public BalancerConfig withOutlierDetection(OutlierDetection newOutlierDetection) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                newOutlierDetection, healthCheck, slowStartWindow, listenerTls, backendTls);
    }

    public BalancerConfig withHealthCheck(HealthCheck newHealthCheck) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, newHealthCheck, slowStartWindow, listenerTls, backendTls);
    }

    public BalancerConfig withSlowStartWindow(Duration window) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, window, listenerTls, backendTls);
    }

    public BalancerConfig withListenerTls(ListenerTls tls) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, tls, backendTls);
    }

    public BalancerConfig withBackendTls(BackendTls tls) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, listenerTls, tls);
    }
}
