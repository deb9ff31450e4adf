package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the calls of one route are balanced and protected: the balancer's settings, or a rule's
 * own sections where it sets them (each section a rule sets replaces the balancer's whole).
 *
 * @param slowStartWindow a newly added or newly healthy endpoint's share ramps up over this long;
 *     {@link Duration#ZERO} for no ramp
 */
public record RoutePolicy(LoadBalancingPolicy loadBalancing, RetryPolicy retry, Timeouts timeouts,
        OutlierDetection outlierDetection, HealthCheck healthCheck, Duration slowStartWindow) {

    /** RoundRobin with the default retries, timeouts and health checking, no slow start. */
    public static final RoutePolicy DEFAULT = new RoutePolicy(LoadBalancingPolicy.RoundRobin, RetryPolicy.DEFAULT,
            Timeouts.DEFAULT, OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO);

    public RoutePolicy {
        requireNonNull(loadBalancing, "loadBalancing");
        requireNonNull(retry, "retry");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(slowStartWindow, "slowStartWindow");
        if (slowStartWindow.isNegative()) {
            throw new IllegalArgumentException("slowStartWindow must not be negative: " + slowStartWindow);
        }
    }

    public RoutePolicy withRetry(RetryPolicy newRetry) {
        return new RoutePolicy(loadBalancing, newRetry, timeouts, outlierDetection, healthCheck, slowStartWindow);
    }
}
