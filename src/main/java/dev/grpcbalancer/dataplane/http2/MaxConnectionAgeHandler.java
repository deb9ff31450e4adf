package dev.grpcbalancer.dataplane.http2;

import io.netty.handler.codec.http2.Http2Error;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Ends a client connection after its maximum age (+-10 % jitter, so connections opened together do
 * not all go at once), so that clients reconnect and spread over the balancer's replicas again.
 * As grpc-java's server does: a first GOAWAY with the largest stream id and a PING, so no stream
 * the client opens meanwhile is refused; when the PING is acknowledged (or after a few seconds),
 * a second GOAWAY with the last stream the client really opened; then its calls get the grace
 * period to finish before the connection closes. grpc-java, Go and C clients reconnect on GOAWAY
 * without failing a call.
 *
 * <p>Sits after the connection's {@link ProxyConnection} in the pipeline; confined to the event loop.
 */
public final class MaxConnectionAgeHandler extends ConnectionTimerHandler implements ProxyConnection.PingListener {

    private static final long PING_DATA = 0x6d61785f616765L; // "max_age"
    /** How long the second GOAWAY waits for the PING ACK at most. */
    private static final long PING_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ProxyConnection connection;
    private final long ageNanos;
    private final long graceNanos;
    private long goAwayNanos;
    private boolean closing;

    /**
     * @param graceNanos 0: the calls may take as long as they need
     */
    public MaxConnectionAgeHandler(ProxyConnection connection, long ageNanos, long graceNanos, LongSupplier clock) {
        super(clock);
        if (ageNanos <= 0 || graceNanos < 0) {
            throw new IllegalArgumentException("age must be positive, grace not negative");
        }
        this.connection = connection;
        this.ageNanos = ageNanos;
        this.graceNanos = graceNanos;
        connection.addPingListener(this);
    }

    @Override
    void connectionActive() {
        double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        schedule(this::firstGoAway, (long) (ageNanos * jitter));
    }

    private void firstGoAway() {
        goAwayNanos = now();
        connection.goAway(Integer.MAX_VALUE, Http2Error.NO_ERROR, "max_age");
        connection.ping(PING_DATA);
        schedule(this::finalGoAway, PING_WAIT_NANOS);
    }

    @Override
    public void pingAckRead(long data) {
        if (data == PING_DATA && goAwayNanos != 0) {
            finalGoAway();
        }
    }

    /** The client has seen the first GOAWAY: tell it which streams count, then close once they end. */
    private void finalGoAway() {
        if (closing) {
            return;
        }
        closing = true;
        cancelTimer();
        connection.goAway(connection.connection().remote().lastStreamCreated(), Http2Error.NO_ERROR, "max_age");
        long left = graceNanos == 0 ? -1 : Math.max(1, graceNanos - (now() - goAwayNanos));
        connection.gracefulShutdownTimeoutMillis(left < 0 ? -1 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        // from here, through the connection handler before us, which waits for the calls up to the
        // grace (Channel.close() of an in-memory test channel would also cancel that timer)
        context().close();
    }
}
