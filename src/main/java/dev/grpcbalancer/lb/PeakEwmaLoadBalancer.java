package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import java.util.Arrays;
import java.util.List;

/**
 * Power of two random choices on cost = (peak-EWMA of response latency) x (calls in flight + 1) /
 * weight, as Finagle and Linkerd balance. A backend that turns slow is avoided from its first slow
 * answer (the peak), and tried again once its estimate has faded (see {@link LatencyEstimate}).
 *
 * <p>Endpoints without a sample yet are costed at the median estimate of those with one (1 ns
 * when none has one, so that a fresh balancer starts as LeastRequest). An endpoint with calls in
 * flight keeps its estimate unfaded: calls that have not answered are no reason to think it fast,
 * so a backend that stopped answering grows more expensive with every call it holds.
 */
final class PeakEwmaLoadBalancer extends TwoChoiceLoadBalancer {

    /** How long the median of the sampled estimates is reused for endpoints without a sample. */
    private static final long MEDIAN_REFRESH_NANOS = 100_000_000L;

    private final double decayNanos;
    private volatile Median median;

    private record Median(double nanos, long at) {}

    PeakEwmaLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
        this.decayNanos = settings.options().peakEwmaDecay().toNanos();
    }

    @Override
    int better(int a, int b) {
        long now = now();
        return cost(b, now) < cost(a, now) ? b : a;
    }

    /** The candidate's cost at {@code now}; lower is better. */
    double cost(int index, long now) {
        EndpointLoad load = candidateLoads[index];
        int inFlight = load.inFlight();
        double estimate = inFlight > 0 ? load.latency().unfadedNanos() : load.latency().nanos(now, decayNanos);
        if (Double.isNaN(estimate)) {
            estimate = unsampledEstimate(now);
        }
        return estimate * (inFlight + 1) / candidates[index].weight();
    }

    @Override
    boolean measuresLatency() {
        return true;
    }

    @Override
    void latencySample(EndpointLoad load, long nanos, long now) {
        load.latency().record(nanos, now, decayNanos);
    }

    /** The median faded estimate of the candidates that have one, refreshed every 100 ms at most. */
    private double unsampledEstimate(long now) {
        Median cached = median;
        if (cached != null && now - cached.at < MEDIAN_REFRESH_NANOS) {
            return cached.nanos;
        }
        double[] estimates = new double[candidateLoads.length];
        int n = 0;
        for (EndpointLoad load : candidateLoads) {
            double estimate = load.latency().nanos(now, decayNanos);
            if (!Double.isNaN(estimate)) {
                estimates[n++] = estimate;
            }
        }
        double value = 1;
        if (n > 0) {
            Arrays.sort(estimates, 0, n);
            value = n % 2 == 1 ? estimates[n / 2] : (estimates[n / 2 - 1] + estimates[n / 2]) / 2;
        }
        median = new Median(value, now);
        return value;
    }
}
