package dev.grpcbalancer.dataplane.http2;

import io.netty.handler.codec.http2.Http2Error;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often a client may PING, as grpc-java's server enforces it (its {@code KeepAliveEnforcer}):
 * every PING is answered; one that comes sooner than {@code permitKeepaliveTime} after the last
 * acceptable one (two hours while the connection carries no call, unless
 * {@code permitWithoutCalls}) is a strike; the third strike gets GOAWAY ENHANCE_YOUR_CALM with
 * "too_many_pings" and the connection is closed. Strikes are forgotten whenever the balancer has
 * sent HEADERS or DATA since the previous PING: a client may check a connection that tells it
 * something. gRPC clients double their keepalive time on that GOAWAY.
 *
 * <p>Confined to the connection's event loop.
 */
public final class ClientPingPolicy implements ProxyConnection.PingListener {

    private static final Logger log = LoggerFactory.getLogger(ClientPingPolicy.class);
    static final int MAX_STRIKES = 2;
    static final long WITHOUT_CALLS_NANOS = TimeUnit.HOURS.toNanos(2);

    private final ProxyConnection connection;
    private final long permitNanos;
    private final boolean permitWithoutCalls;
    private final LongSupplier nanoTime;
    private final long epoch;
    private long lastAcceptable;
    private long framesWrittenAtLastPing = -1;
    private int strikes;
    private boolean cutOff;

    public ClientPingPolicy(ProxyConnection connection, long permitNanos, boolean permitWithoutCalls,
            LongSupplier nanoTime) {
        this.connection = connection;
        this.permitNanos = Math.min(permitNanos, WITHOUT_CALLS_NANOS);
        this.permitWithoutCalls = permitWithoutCalls;
        this.nanoTime = nanoTime;
        this.epoch = nanoTime.getAsLong();
        this.lastAcceptable = epoch;
    }

    @Override
    public void pingRead(long data) {
        if (cutOff) {
            return; // the rest of a flood, read before the connection closed
        }
        long written = connection.framesWritten();
        if (written != framesWrittenAtLastPing) {
            // we told the client something since its last PING: a fresh start, as grpc-java resets on writes
            framesWrittenAtLastPing = written;
            lastAcceptable = epoch;
            strikes = 0;
        }
        if (acceptable()) {
            return;
        }
        cutOff = true;
        log.info("{} PINGs more often than every {} s: GOAWAY ENHANCE_YOUR_CALM", connection.channelDescription(),
                TimeUnit.NANOSECONDS.toSeconds(permitNanos));
        connection.goAway(connection.connection().remote().lastStreamCreated(), Http2Error.ENHANCE_YOUR_CALM,
                "too_many_pings").addListener(f -> connection.closeNow());
    }

    private boolean acceptable() {
        long now = nanoTime.getAsLong();
        boolean calls = connection.connection().numActiveStreams() > 0;
        long allowed = calls || permitWithoutCalls ? permitNanos : WITHOUT_CALLS_NANOS;
        if (now - lastAcceptable >= allowed) {
            lastAcceptable = now;
            return true;
        }
        strikes++;
        return strikes <= MAX_STRIKES;
    }
}
