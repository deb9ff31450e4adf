package dev.grpcbalancer.dataplane.call;

/**
 * The states of a {@link ProxyCall}. A call is created when its HEADERS arrive, and its request
 * is checked at once: one that is not gRPC goes straight to {@link #DONE}.
 *
 * <pre>
 *   ATTEMPTING --(response headers)--> COMMITTED --(response end, failure)--> DONE
 *      |   ^  \--(trailers-only answer passed on, failure, deadline, client reset)--> DONE
 *      v   |
 *   BACKING_OFF --(deadline, client reset)--> DONE
 * </pre>
 */
enum CallState {
    /**
     * One attempt or more is live (waiting for a stream, or sent and waiting for response
     * headers), none has response headers: a retry or a hedge may still follow.
     */
    ATTEMPTING,
    /** No attempt is live; the next one starts when the retry backoff ends. */
    BACKING_OFF,
    /** One attempt's response headers went to the client: its response is relayed, nothing is retried. */
    COMMITTED,
    /**
     * The call is over and has released what it held; frames that still arrive are released and
     * credited back at once.
     */
    DONE
}
