package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.GrpcCode;

/**
 * What a call does next, as {@link Decisions} says.
 *
 * @param delayNanos the wait before the retry, for {@link Kind#RETRY_AFTER}
 * @param status the status the client gets, for {@link Kind#FAIL}
 * @param message its {@code grpc-message}, for {@link Kind#FAIL}
 */
record Decision(Kind kind, long delayNanos, GrpcCode status, String message) {

    enum Kind {
        /** Another attempt now, outside the budget: the last one never reached a backend. */
        RETRY_NOW,
        /** Another attempt after {@code delayNanos} (its budget is to be taken first). */
        RETRY_AFTER,
        /** A hedged attempt now (its budget is to be taken first). */
        HEDGE_NOW,
        /** Nothing: the call's other attempts go on. */
        WAIT,
        /** The ended attempt's trailers-only answer goes to the client as it is. */
        COMMIT,
        /** The call ends with {@code status} and {@code message}. */
        FAIL
    }

    static final Decision RETRY_NOW = new Decision(Kind.RETRY_NOW, 0, null, null);
    static final Decision HEDGE_NOW = new Decision(Kind.HEDGE_NOW, 0, null, null);
    static final Decision WAIT = new Decision(Kind.WAIT, 0, null, null);
    static final Decision COMMIT = new Decision(Kind.COMMIT, 0, null, null);

    static Decision retryAfter(long delayNanos) {
        return new Decision(Kind.RETRY_AFTER, delayNanos, null, null);
    }

    static Decision fail(GrpcCode status, String message) {
        return new Decision(Kind.FAIL, 0, status, message);
    }
}
