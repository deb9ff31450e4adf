package dev.grpcbalancer.dataplane;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.ListenerLifecycle;
import java.time.Duration;

/**
 * The data plane's defaults for client connections (a balancer's {@code spec.listener} overrides
 * the first three) and the PING policy every client connection follows.
 *
 * @param maxConnectionAge GOAWAY a client connection after this long (+-10 % jitter);
 *     {@link Duration#ZERO}: never
 * @param maxConnectionAgeGrace after that GOAWAY, how long its calls may run before the connection
 *     closes; {@link Duration#ZERO}: as long as they need
 * @param idleTimeout close a client connection without a call for this long; {@link Duration#ZERO}: never
 * @param permitKeepaliveTime the shortest interval between client PINGs that is not counted as
 *     abuse (grpc-java's server {@code permitKeepAliveTime})
 * @param permitKeepaliveWithoutCalls whether that interval also holds when the connection carries no
 *     call (otherwise one PING per two hours then)
 */
public record ClientConnectionSettings(Duration maxConnectionAge, Duration maxConnectionAgeGrace, Duration idleTimeout,
        Duration permitKeepaliveTime, boolean permitKeepaliveWithoutCalls) {

    /** No max age, no grace limit, one hour idle timeout, PINGs every 5 minutes at most (grpc-java's server defaults). */
    public static final ClientConnectionSettings DEFAULT = new ClientConnectionSettings(Duration.ZERO, Duration.ZERO,
            Duration.ofHours(1), Duration.ofMinutes(5), false);

    public ClientConnectionSettings {
        requireNonNull(maxConnectionAge, "maxConnectionAge");
        requireNonNull(maxConnectionAgeGrace, "maxConnectionAgeGrace");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(permitKeepaliveTime, "permitKeepaliveTime");
        if (maxConnectionAge.isNegative() || maxConnectionAgeGrace.isNegative() || idleTimeout.isNegative()
                || permitKeepaliveTime.isNegative()) {
            throw new IllegalArgumentException("client connection durations must not be negative: " + this);
        }
    }

    /** What a connection of a balancer with {@code lifecycle} gets: its values where set, these defaults elsewhere. */
    ClientConnectionSettings forBalancer(ListenerLifecycle lifecycle) {
        return new ClientConnectionSettings(
                ListenerLifecycle.orDefault(lifecycle.maxConnectionAge(), maxConnectionAge),
                ListenerLifecycle.orDefault(lifecycle.maxConnectionAgeGrace(), maxConnectionAgeGrace),
                ListenerLifecycle.orDefault(lifecycle.idleTimeout(), idleTimeout),
                permitKeepaliveTime, permitKeepaliveWithoutCalls);
    }
}
