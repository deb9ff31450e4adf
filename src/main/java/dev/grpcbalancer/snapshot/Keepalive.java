package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * HTTP/2 keepalive on the connections to a balancer's backends: while a connection carries calls
 * and has been silent (nothing read from the backend) for {@code interval}, a PING goes out; if
 * nothing arrives within {@code timeout} after it, the connection is dead: its calls end with
 * UNAVAILABLE and it is replaced.
 *
 * @param interval {@link Duration#ZERO}: keepalive off
 */
public record Keepalive(Duration interval, Duration timeout) {

    /** 30 s / 10 s. */
    public static final Keepalive DEFAULT = new Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(10));

    public Keepalive {
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
        if (interval.isNegative() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("invalid keepalive: interval " + interval + ", timeout " + timeout);
        }
    }

    public boolean enabled() {
        return !interval.isZero();
    }
}
