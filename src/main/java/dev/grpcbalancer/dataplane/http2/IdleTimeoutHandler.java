package dev.grpcbalancer.dataplane.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection that has carried no call for the idle timeout (GOAWAY first, by the
 * connection's graceful close): idle connections of gone or forgetful clients do not pile up.
 * The clock starts when the connection opens and whenever its last call ends.
 *
 * <p>Sits after the connection's {@link ProxyConnection} in the pipeline; confined to the event loop.
 */
public final class IdleTimeoutHandler extends ChannelInboundHandlerAdapter {

    private final ProxyConnection connection;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private long idleSince;
    private ScheduledFuture<?> timer;

    public IdleTimeoutHandler(ProxyConnection connection, long idleNanos) {
        if (idleNanos <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive");
        }
        this.connection = connection;
        this.idleNanos = idleNanos;
        connection.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (connection.connection().numActiveStreams() == 0) {
                    idleSince = System.nanoTime();
                }
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start() {
        if (timer == null) {
            idleSince = System.nanoTime();
            schedule(idleNanos);
        }
    }

    private void check() {
        if (connection.connection().numActiveStreams() > 0) {
            schedule(idleNanos);
            return;
        }
        long idle = System.nanoTime() - idleSince;
        if (idle < idleNanos) {
            schedule(idleNanos - idle);
            return;
        }
        timer = null;
        ctx.channel().close();
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
