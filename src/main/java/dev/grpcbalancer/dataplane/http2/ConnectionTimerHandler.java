package dev.grpcbalancer.dataplane.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the connection lifecycle handlers share: one timer on the connection's event loop, started
 * when the connection is up (or at once if the handler is added to a live one) and cancelled when
 * it goes away. Sits after the connection's {@link ProxyConnection}; confined to the event loop.
 */
abstract class ConnectionTimerHandler extends ChannelInboundHandlerAdapter {

    private final LongSupplier clock;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean started;

    /** @param clock the time, in nanoseconds (the call engine's ticker) */
    ConnectionTimerHandler(LongSupplier clock) {
        this.clock = clock;
    }

    /** The connection is up: schedule the first task. Called once. */
    abstract void connectionActive();

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public final void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelTimer();
        super.channelInactive(ctx);
    }

    @Override
    public final void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    private void start() {
        if (!started) {
            started = true;
            connectionActive();
        }
    }

    /** Runs {@code task} on the event loop after {@code delayNanos}, in place of any task scheduled before. */
    final void schedule(Runnable task, long delayNanos) {
        cancelTimer();
        timer = ctx.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    final void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    final long now() {
        return clock.getAsLong();
    }

    final ChannelHandlerContext context() {
        return ctx;
    }
}
