package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.GrpcCode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The time limits of one call, watched by one entry in its connection's {@link CallTimers}: its
 * deadline (the shorter of the client's {@code grpc-timeout} and the balancer's request timeout)
 * and the stream idle timeout, which every frame in either direction pushes back. Time comes from
 * the engine's ticker. Confined to the event loop.
 */
final class CallTimer extends CallTimers.Entry {

    /** What ends the call when a limit passes. */
    interface Expiry {
        /** A limit passed: the call ends with {@code status} and {@code message}. */
        void timedOut(GrpcCode status, String message);
    }

    private final CallTimers timers;
    private final LongSupplier ticker;
    private final long idleNanos;
    private final Expiry expiry;
    private boolean hasDeadline;
    private long deadlineNanos;
    /** The balancer's request timeout, when it is the call's deadline; 0 when the client's is. */
    private long requestTimeoutNanos;
    private long lastFrameNanos;

    CallTimer(CallTimers timers, LongSupplier ticker, long idleNanos, Expiry expiry) {
        this.timers = timers;
        this.ticker = ticker;
        this.idleNanos = idleNanos;
        this.expiry = expiry;
    }

    /**
     * Starts watching at {@code now} (ticker time). {@code clientTimeoutNanos} is the client's
     * {@code grpc-timeout} or {@link GrpcTimeout#NOT_SET}; {@code requestTimeoutNanos} the
     * balancer's, 0 for none.
     */
    void start(long now, long clientTimeoutNanos, long requestTimeoutNanos) {
        lastFrameNanos = now;
        long timeout = clientTimeoutNanos;
        if (requestTimeoutNanos > 0 && (timeout == GrpcTimeout.NOT_SET || requestTimeoutNanos < timeout)) {
            timeout = requestTimeoutNanos;
            this.requestTimeoutNanos = requestTimeoutNanos;
        }
        if (timeout != GrpcTimeout.NOT_SET) {
            hasDeadline = true;
            deadlineNanos = now + timeout;
        }
        schedule(now);
    }

    /** A frame went by: the call is not idle. */
    void frame() {
        lastFrameNanos = ticker.getAsLong();
    }

    boolean hasDeadline() {
        return hasDeadline;
    }

    /** Nanoseconds until the deadline (negative once passed); {@link Long#MAX_VALUE} without one. */
    long remainingNanos() {
        return hasDeadline ? deadlineNanos - ticker.getAsLong() : Long.MAX_VALUE;
    }

    void cancel() {
        timers.cancel(this);
    }

    private void schedule(long now) {
        long next = lastFrameNanos + idleNanos;
        if (hasDeadline && deadlineNanos - next < 0) {
            next = deadlineNanos;
        }
        timers.schedule(this, next, now);
    }

    /** The timer fired: a limit passed, or a frame pushed the idle limit back and it waits again. */
    @Override
    void expired(long now) {
        if (hasDeadline && now - deadlineNanos >= 0) {
            expiry.timedOut(GrpcCode.DEADLINE_EXCEEDED, requestTimeoutNanos > 0
                    ? "request timeout of " + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos)
                            + " ms passed in grpc-balancer"
                    : "deadline passed in grpc-balancer before the backend answered");
        } else if (now - lastFrameNanos >= idleNanos) {
            expiry.timedOut(GrpcCode.UNAVAILABLE, "no frame in either direction for "
                    + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms (stream idle timeout)");
        } else {
            schedule(now);
        }
    }
}
