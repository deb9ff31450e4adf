package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the calls of one route are balanced and protected: the balancer's settings, or a rule's
 * own sections where it sets them (each section a rule sets replaces the balancer's whole).
 *
 * @param slowStartWindow a newly added or newly healthy endpoint's share ramps up over this long;
 *     {@link Duration#ZERO} for no ramp
 * @param hedging hedged attempts ({@link HedgingPolicy#DISABLED} for none); when enabled the calls
 *     are not retried, and take only the budget and replay buffer of {@code retry}
 */
public record RoutePolicy(LoadBalancingPolicy loadBalancing, RetryPolicy retry, Timeouts timeouts,
        OutlierDetection outlierDetection, HealthCheck healthCheck, Duration slowStartWindow, HedgingPolicy hedging) {

    /** RoundRobin with the default retries, timeouts and health checking, no slow start, no hedging. */
    public static final RoutePolicy DEFAULT = new RoutePolicy(LoadBalancingPolicy.RoundRobin, RetryPolicy.DEFAULT,
            Timeouts.DEFAULT, OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO, HedgingPolicy.DISABLED);

    public RoutePolicy {
        requireNonNull(loadBalancing, "loadBalancing");
        requireNonNull(retry, "retry");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(slowStartWindow, "slowStartWindow");
        requireNonNull(hedging, "hedging");
        if (slowStartWindow.isNegative()) {
            throw new IllegalArgumentException("slowStartWindow must not be negative: " + slowStartWindow);
        }
    }

    public RoutePolicy withRetry(RetryPolicy newRetry) {
        return new RoutePolicy(loadBalancing, newRetry, timeouts, outlierDetection, healthCheck, slowStartWindow, hedging);
    }

    public RoutePolicy withHedging(HedgingPolicy newHedging) {
        return new RoutePolicy(loadBalancing, retry, timeouts, outlierDetection, healthCheck, slowStartWindow, newHedging);
    }
}
