package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Active health checking with the standard gRPC health protocol ({@code grpc.health.v1.Health/Check})
 * and the panic threshold.
 *
 * <p>Every {@code interval} each endpoint is asked over the balancer's own upstream connections.
 * An answer other than SERVING, no answer within {@code timeout}, or a connect failure is a failed
 * check; {@code unhealthyThreshold} failed checks in a row mark the endpoint unhealthy (it takes no
 * new calls), {@code healthyThreshold} passed ones in a row mark it healthy again. Endpoints start
 * healthy.
 *
 * @param active false: no active checks (the panic threshold still applies to ejected endpoints)
 * @param service the service name asked about; empty for the server as a whole
 * @param panicThresholdPercent when fewer than this percent of the endpoints are healthy (neither
 *     unhealthy nor ejected), calls go to all of them, as if none were; 0 turns panic mode off
 */
public record HealthCheck(boolean active, String service, Duration interval, Duration timeout,
        int healthyThreshold, int unhealthyThreshold, int panicThresholdPercent) {

    /** No active checks; panic threshold 50 %. The values are a configured check's defaults. */
    public static final HealthCheck DEFAULT = new HealthCheck(false, "", Duration.ofSeconds(10), Duration.ofSeconds(1),
            2, 3, 50);

    public HealthCheck {
        requireNonNull(service, "service");
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
        if (!positive(interval) || !positive(timeout) || healthyThreshold < 1 || unhealthyThreshold < 1
                || panicThresholdPercent < 0 || panicThresholdPercent > 100) {
            throw new IllegalArgumentException("invalid health check: " + interval + ", " + timeout + ", "
                    + healthyThreshold + ", " + unhealthyThreshold + ", " + panicThresholdPercent + " %");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
