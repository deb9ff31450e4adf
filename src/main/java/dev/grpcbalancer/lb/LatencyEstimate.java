package dev.grpcbalancer.lb;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Peak-EWMA of one endpoint's response latency (request headers sent to response headers
 * received), shared by all event loops and carried across load balancer rebuilds.
 *
 * <p>A sample above the current estimate replaces it at once (the peak: an endpoint that turns
 * slow is avoided from its first slow answer); a lower one moves the estimate towards it by the
 * weight the time since the last sample gives it ({@code 1 - exp(-elapsed / decay)}). Read, the
 * estimate also fades towards zero with the time since the last sample, so an endpoint that got no
 * calls because it was slow is tried again after a while rather than shunned for ever.
 *
 * <p>Lock-free: the estimate and its time stamp are one immutable value swapped by compare and set.
 */
final class LatencyEstimate {

    private record Sample(double nanos, long at) {}

    private final AtomicReference<Sample> current = new AtomicReference<>();

    /** Records a latency of {@code rttNanos} observed at {@code now}. */
    void record(long rttNanos, long now, double decayNanos) {
        double rtt = Math.max(0, rttNanos);
        while (true) {
            Sample before = current.get();
            double next;
            if (before == null) {
                next = rtt;
            } else {
                double kept = weightKept(before, now, decayNanos);
                double estimate = before.nanos * kept;
                next = rtt >= estimate ? rtt : estimate + rtt * (1 - kept);
            }
            if (current.compareAndSet(before, new Sample(next, now))) {
                return;
            }
        }
    }

    /** The estimate in nanoseconds at {@code now}, faded since the last sample; NaN before the first sample. */
    double nanos(long now, double decayNanos) {
        Sample sample = current.get();
        return sample == null ? Double.NaN : sample.nanos * weightKept(sample, now, decayNanos);
    }

    /** The estimate as of the last sample, not faded since; NaN before the first sample. */
    double unfadedNanos() {
        Sample sample = current.get();
        return sample == null ? Double.NaN : sample.nanos;
    }

    private static double weightKept(Sample sample, long now, double decayNanos) {
        long elapsed = now - sample.at;
        return elapsed <= 0 ? 1 : Math.exp(-elapsed / decayNanos);
    }
}
