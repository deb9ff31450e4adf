package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Passive health checking: an endpoint whose calls fail {@code consecutiveFailures} times in a row
 * takes no new calls for a while (it is ejected).
 *
 * <p>Failures are connect failures, streams the backend reset, attempts cut by the per-try
 * timeout, and responses whose {@code grpc-status} is in {@code errorCodes}. An endpoint's
 * {@code n}-th ejection lasts {@code baseEjectionTime × n} (at most {@link #MAX_EJECTION_TIME}
 * or the base, whichever is longer); each {@code interval} it then spends without ejection lowers
 * {@code n} by one.
 *
 * @param enabled false turns the whole feature off
 * @param maxEjectionPercent at most this percent of the balancer's endpoints are ejected at once,
 *     but always at least one
 */
public record OutlierDetection(boolean enabled, int consecutiveFailures, Set<GrpcCode> errorCodes,
        Duration interval, Duration baseEjectionTime, int maxEjectionPercent) {

    public static final Duration MAX_EJECTION_TIME = Duration.ofMinutes(5);
    public static final Set<GrpcCode> DEFAULT_ERROR_CODES =
            Set.copyOf(EnumSet.of(GrpcCode.UNKNOWN, GrpcCode.INTERNAL, GrpcCode.UNAVAILABLE));

    /** Off; the values are the defaults a configured {@code outlierDetection} starts from. */
    public static final OutlierDetection DISABLED = new OutlierDetection(false, 5, DEFAULT_ERROR_CODES,
            Duration.ofSeconds(10), Duration.ofSeconds(30), 10);

    public OutlierDetection {
        errorCodes = Set.copyOf(requireNonNull(errorCodes, "errorCodes"));
        requireNonNull(interval, "interval");
        requireNonNull(baseEjectionTime, "baseEjectionTime");
        if (consecutiveFailures < 1 || errorCodes.contains(GrpcCode.OK) || !positive(interval)
                || !positive(baseEjectionTime) || maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("invalid outlier detection: " + consecutiveFailures + ", " + errorCodes
                    + ", " + interval + ", " + baseEjectionTime + ", " + maxEjectionPercent + " %");
        }
    }

    /** How long the {@code times}-th ejection (1 for the first) lasts. */
    public Duration ejectionTime(int times) {
        Duration cap = baseEjectionTime.compareTo(MAX_EJECTION_TIME) > 0 ? baseEjectionTime : MAX_EJECTION_TIME;
        Duration time = baseEjectionTime.multipliedBy(Math.max(1, times));
        return time.compareTo(cap) > 0 ? cap : time;
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
