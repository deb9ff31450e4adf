package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How long client connections of one balancer live. {@link Duration#ZERO} means "not set here":
 * the data plane's default applies (see {@code DataPlaneSettings}).
 *
 * @param maxConnectionAge a client connection gets GOAWAY after this long (with +-10 % jitter), so
 *     that clients reconnect and spread over the balancer replicas again
 * @param maxConnectionAgeGrace after that GOAWAY, its calls get this long to finish before the
 *     connection is closed
 * @param idleTimeout a client connection with no call for this long is closed (GOAWAY first)
 */
public record ListenerLifecycle(Duration maxConnectionAge, Duration maxConnectionAgeGrace, Duration idleTimeout) {

    /** Nothing set: every value is the data plane's default. */
    public static final ListenerLifecycle DEFAULT = new ListenerLifecycle(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public ListenerLifecycle {
        requireNonNull(maxConnectionAge, "maxConnectionAge");
        requireNonNull(maxConnectionAgeGrace, "maxConnectionAgeGrace");
        requireNonNull(idleTimeout, "idleTimeout");
        if (maxConnectionAge.isNegative() || maxConnectionAgeGrace.isNegative() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative: " + maxConnectionAge + ", "
                    + maxConnectionAgeGrace + ", " + idleTimeout);
        }
    }

    /** {@code value}, or {@code fallback} when it is not set ({@link Duration#ZERO}). */
    public static Duration orDefault(Duration value, Duration fallback) {
        return value.isZero() ? fallback : value;
    }
}
