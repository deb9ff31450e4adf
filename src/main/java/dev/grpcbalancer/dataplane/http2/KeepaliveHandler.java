package dev.grpcbalancer.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * HTTP/2 keepalive of one connection to a backend (gRFC A8, client side): while the connection
 * carries calls and nothing has been read from it for {@code interval}, a PING goes out; if nothing
 * at all is read within {@code timeout} after it (the PING ACK, or any other frame: either proves
 * the peer alive), the connection is declared dead and closed at once (no GOAWAY, no wait for its streams), which
 * ends its calls.
 *
 * <p>A connection without calls is not pinged: servers count such PINGs as abuse (grpc-java allows
 * one per two hours by default), and a dead idle connection is found within interval + timeout of
 * its next call. A GOAWAY with ENHANCE_YOUR_CALM and "too_many_pings" is reported so that the pool
 * can ping less on its next connections.
 *
 * <p>Sits after the connection's {@link ProxyConnection} in the pipeline; confined to the event loop.
 */
public final class KeepaliveHandler extends ConnectionTimerHandler {

    /** What the pool hears from the keepalive. */
    public interface Events {

        /** No answer to a PING within the timeout; the connection is being closed. */
        void dead(String reason);

        /** The backend sent GOAWAY ENHANCE_YOUR_CALM "too_many_pings". */
        void tooManyPings();
    }

    private static final long PING_DATA = 0x6b65657061_6c6976L; // "keepaliv"

    private final ProxyConnection connection;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final Events events;
    private long lastReadNanos;
    private long pingSentNanos;

    public KeepaliveHandler(ProxyConnection connection, long intervalNanos, long timeoutNanos, Events events,
            LongSupplier clock) {
        super(clock);
        if (intervalNanos <= 0 || timeoutNanos <= 0) {
            throw new IllegalArgumentException("interval and timeout must be positive");
        }
        this.connection = connection;
        this.intervalNanos = intervalNanos;
        this.timeoutNanos = timeoutNanos;
        this.events = events;
        connection.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
                if (errorCode == Http2Error.ENHANCE_YOUR_CALM.code()
                        && "too_many_pings".equals(debugData.toString(StandardCharsets.US_ASCII))) {
                    events.tooManyPings();
                }
            }
        });
    }

    @Override
    void connectionActive() {
        lastReadNanos = now();
        schedule(this::check, intervalNanos);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        lastReadNanos = now();
        super.channelReadComplete(ctx);
    }

    /** Time to look: silent for an interval with calls on it, the connection gets a PING. */
    private void check() {
        long now = now();
        long silent = now - lastReadNanos;
        if (silent < intervalNanos) {
            schedule(this::check, intervalNanos - silent);
        } else if (connection.connection().numActiveStreams() == 0) {
            schedule(this::check, intervalNanos);
        } else {
            pingSentNanos = now;
            connection.ping(PING_DATA);
            schedule(this::awaitAnswer, timeoutNanos);
        }
    }

    private void awaitAnswer() {
        // A read in the very tick the PING went out came after it (the connection had been silent
        // for an interval before): an answer within the clock's resolution is still an answer.
        if (lastReadNanos - pingSentNanos >= 0) {
            check();
            return;
        }
        events.dead("no answer to a keepalive PING within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        connection.closeNow();
    }
}
