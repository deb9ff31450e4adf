package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Time limits of one balancer's calls.
 *
 * @param connect connecting to a backend, including its first SETTINGS frame;
 *     {@link Duration#ZERO} for the data plane's default
 * @param request a whole call, from its HEADERS to the end of the response; the client's
 *     {@code grpc-timeout} wins when shorter; {@link Duration#ZERO} for none
 * @param streamIdle a call with no frame in either direction for this long is ended
 */
public record Timeouts(Duration connect, Duration request, Duration streamIdle) {

    /** Connect: the data plane's default; request: none; stream idle: one hour. */
    public static final Timeouts DEFAULT = new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ofHours(1));

    public Timeouts {
        requireNonNull(connect, "connect");
        requireNonNull(request, "request");
        requireNonNull(streamIdle, "streamIdle");
        if (connect.isNegative() || request.isNegative() || !positive(streamIdle)) {
            throw new IllegalArgumentException("invalid timeouts: " + connect + ", " + request + ", " + streamIdle);
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
