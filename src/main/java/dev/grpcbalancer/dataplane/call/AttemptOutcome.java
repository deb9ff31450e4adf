package dev.grpcbalancer.dataplane.call;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.GrpcCode;
import io.netty.handler.codec.http2.Http2Error;

/**
 * How an attempt that did not commit ended: the input of {@link Decisions}. An attempt ends
 * exactly once, with one of these kinds, or by committing (its response is the call's) or by being
 * cancelled by its call.
 *
 * @param status the gRPC status the outcome stands for: the backend's own for a trailers-only
 *     answer, the mapped code for a reset or a lost connection, UNAVAILABLE when nothing was sent
 * @param reason what happened, for the client's {@code grpc-message} if the call fails with it
 */
record AttemptOutcome(Kind kind, GrpcCode status, String reason) {

    /** What ended the attempt. */
    enum Kind {
        /** Nothing reached a backend: the connect failed, no stream could be opened, or its HEADERS never left. */
        NOT_SENT,
        /** The backend refused the stream (RST_STREAM REFUSED_STREAM): it did not process it. */
        REFUSED_STREAM,
        /** The stream was above the last-stream-id of its connection's GOAWAY: it was never processed. */
        REFUSED_BY_GOAWAY,
        /** The backend reset the stream before any response headers. */
        RESET,
        /** The backend reset the stream at the call's deadline: it gave up at the {@code grpc-timeout} it was sent. */
        RESET_AT_DEADLINE,
        /** The connection closed after the request went out and before any response headers. */
        CONNECTION_CLOSED,
        /** The backend answered with trailers only: a status and no message. */
        TRAILERS_ONLY,
        /** No response headers within the per-try timeout. */
        PER_TRY_TIMEOUT
    }

    AttemptOutcome {
        requireNonNull(kind, "kind");
        requireNonNull(status, "status");
        requireNonNull(reason, "reason");
    }

    static AttemptOutcome notSent(String reason) {
        return new AttemptOutcome(Kind.NOT_SENT, GrpcCode.UNAVAILABLE, reason);
    }

    static AttemptOutcome refusedStream(String reason) {
        return new AttemptOutcome(Kind.REFUSED_STREAM, GrpcCode.UNAVAILABLE, reason);
    }

    static AttemptOutcome refusedByGoAway(String reason) {
        return new AttemptOutcome(Kind.REFUSED_BY_GOAWAY, GrpcCode.UNAVAILABLE, reason);
    }

    /** A reset before response headers; {@code atDeadline} when the call's deadline has (about) passed. */
    static AttemptOutcome reset(Http2Error error, boolean atDeadline, String reason) {
        return atDeadline
                ? new AttemptOutcome(Kind.RESET_AT_DEADLINE, GrpcCode.DEADLINE_EXCEEDED, reason)
                : new AttemptOutcome(Kind.RESET, GrpcResponses.ofUpstreamReset(error), reason);
    }

    static AttemptOutcome connectionClosed(String reason) {
        return new AttemptOutcome(Kind.CONNECTION_CLOSED, GrpcCode.UNAVAILABLE, reason);
    }

    static AttemptOutcome trailersOnly(GrpcCode status, String reason) {
        return new AttemptOutcome(Kind.TRAILERS_ONLY, status, reason);
    }

    static AttemptOutcome perTryTimeout(String reason) {
        return new AttemptOutcome(Kind.PER_TRY_TIMEOUT, GrpcCode.DEADLINE_EXCEEDED, reason);
    }

    /** False only when the request provably never reached a backend: then any retry is safe. */
    boolean reachedBackend() {
        return kind != Kind.NOT_SENT && kind != Kind.REFUSED_STREAM && kind != Kind.REFUSED_BY_GOAWAY;
    }
}
