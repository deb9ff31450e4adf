package dev.grpcbalancer.dataplane.http2;

import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.function.LongSupplier;

/**
 * Closes a client connection that has carried no call for the idle timeout (GOAWAY first, by the
 * connection's graceful close): idle connections of gone or forgetful clients do not pile up.
 * The clock starts when the connection opens and whenever its last call ends.
 *
 * <p>Sits after the connection's {@link ProxyConnection} in the pipeline; confined to the event loop.
 */
public final class IdleTimeoutHandler extends ConnectionTimerHandler {

    private final ProxyConnection connection;
    private final long idleNanos;
    private long idleSince;

    public IdleTimeoutHandler(ProxyConnection connection, long idleNanos, LongSupplier clock) {
        super(clock);
        if (idleNanos <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive");
        }
        this.connection = connection;
        this.idleNanos = idleNanos;
        connection.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (connection.connection().numActiveStreams() == 0) {
                    idleSince = now();
                }
            }
        });
    }

    @Override
    void connectionActive() {
        idleSince = now();
        schedule(this::check, idleNanos);
    }

    private void check() {
        if (connection.connection().numActiveStreams() > 0) {
            schedule(this::check, idleNanos);
            return;
        }
        long idle = now() - idleSince;
        if (idle < idleNanos) {
            schedule(this::check, idleNanos - idle);
            return;
        }
        context().close(); // through the connection handler before us: GOAWAY first
    }
}
