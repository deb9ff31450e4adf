package dev.grpcbalancer.dataplane;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time limits of one call, watched by one timer on the call's event loop: its deadline (the
 * shorter of the client's {@code grpc-timeout} and the balancer's request timeout) and the stream
 * idle timeout, which every frame in either direction pushes back. Confined to the event loop.
 */
final class CallTimer {

    /** What ends the call when a limit passes. */
    interface Expiry {
        void deadlinePassed(boolean fromRequestTimeout);

        void idle();
    }

    private final EventLoop loop;
    private final long idleNanos;
    private final Expiry expiry;
    /** 0 when the call has no deadline. */
    private long deadlineNanos;
    private boolean fromRequestTimeout;
    private long lastFrameNanos;
    private ScheduledFuture<?> timer;

    CallTimer(EventLoop loop, long idleNanos, Expiry expiry) {
        this.loop = loop;
        this.idleNanos = idleNanos;
        this.expiry = expiry;
    }

    /**
     * Starts watching. {@code clientTimeoutNanos} is the client's {@code grpc-timeout} or
     * {@link GrpcTimeout#NOT_SET}; {@code requestTimeoutNanos} the balancer's, 0 for none.
     */
    void start(long clientTimeoutNanos, long requestTimeoutNanos) {
        long now = System.nanoTime();
        lastFrameNanos = now;
        long timeout = clientTimeoutNanos;
        if (requestTimeoutNanos > 0 && (timeout == GrpcTimeout.NOT_SET || requestTimeoutNanos < timeout)) {
            timeout = requestTimeoutNanos;
            fromRequestTimeout = true;
        }
        if (timeout != GrpcTimeout.NOT_SET) {
            deadlineNanos = now + timeout;
        }
        schedule(now);
    }

    /** A frame went by: the call is not idle. */
    void frame() {
        lastFrameNanos = System.nanoTime();
    }

    boolean hasDeadline() {
        return deadlineNanos != 0;
    }

    /** Nanoseconds until the deadline (negative once passed); only meaningful with a deadline. */
    long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long now) {
        long next = lastFrameNanos + idleNanos;
        if (deadlineNanos != 0 && deadlineNanos - next < 0) {
            next = deadlineNanos;
        }
        timer = loop.schedule(this::fired, Math.max(0, next - now), TimeUnit.NANOSECONDS);
    }

    private void fired() {
        timer = null;
        long now = System.nanoTime();
        if (deadlineNanos != 0 && now - deadlineNanos >= 0) {
            expiry.deadlinePassed(fromRequestTimeout);
        } else if (now - lastFrameNanos >= idleNanos) {
            expiry.idle();
        } else {
            schedule(now);
        }
    }
}
