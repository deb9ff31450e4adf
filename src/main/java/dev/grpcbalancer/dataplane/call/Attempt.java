package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.http2.StreamHandler;
import dev.grpcbalancer.dataplane.upstream.StreamCallback;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.metrics.EndpointMeters;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.OutlierDetection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.List;

/**
 * One try of a call at one backend. It owns the endpoint picked for it, its upstream stream
 * (asked of the pool, then open), its per-try timer, and turns what happens on the stream into
 * the call's events: response headers (which commit it), or an {@link AttemptOutcome} that ends
 * it. Once ended or cancelled it hears nothing more. Confined to the call's event loop.
 *
 * <p>As the pool's {@link StreamCallback} it waits for a stream; as the stream's
 * {@link StreamHandler} it reads the response; as a listener of its HEADERS write it learns
 * whether the request left at all; as a {@link CallTimers.Entry} it is its own per-try timer.
 */
final class Attempt extends CallTimers.Entry implements StreamCallback, StreamHandler, ChannelFutureListener {

    /** Where the attempt is. */
    enum State {
        /** Waiting for the pool to give it a stream. */
        OPENING,
        /** Its request is being sent; no response headers yet. */
        OPEN,
        /** Its response headers went to the client: the call's response is this attempt's. */
        COMMITTED,
        ENDED
    }

    private final ProxyCall call;
    private final int number;
    private final Selection selection;
    private final EndpointMeters.Endpoint endpointMeters;
    private final long startNanos;
    private State state = State.OPENING;
    private ProxyStream stream;
    /** The HEADERS write reached the socket: from then on the backend may have seen the request. */
    private boolean headersOnWire;
    /** The backend reset the stream: it must not be reset back (RFC 9113, 5.4.2). */
    private boolean resetByBackend;
    /** A trailers-only answer, held until the call decides whether the client gets it. */
    private Http2Headers trailersOnly;
    private AttemptOutcome outcome;
    /** The next attempt in the call's list of live attempts. */
    Attempt nextLive;

    Attempt(ProxyCall call, int number, Selection selection, EndpointMeters.Endpoint endpointMeters) {
        this.call = call;
        this.number = number;
        this.selection = selection;
        this.endpointMeters = endpointMeters;
        this.startNanos = endpointMeters == null ? 0 : call.nanoTime(); // a clock read only for the meters that use it
    }

    /** 1 for the first attempt of the call. */
    int number() {
        return number;
    }

    EndpointAddress endpoint() {
        return selection.address();
    }

    State state() {
        return state;
    }

    ProxyStream stream() {
        return stream;
    }

    /** How it ended, if it ended without committing; null otherwise. */
    AttemptOutcome outcome() {
        return outcome;
    }

    Http2Headers trailersOnly() {
        return trailersOnly;
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    void armPerTryTimer(long nanos) {
        long now = call.nanoTime();
        call.timers().schedule(this, now + nanos, now);
    }

    /** The stream is open: it carries this attempt from now on; the call writes its HEADERS next. */
    void streamOpened(ProxyStream opened) {
        stream = opened;
        state = State.OPEN;
        opened.handler(this);
        selection.requestSent(call.ticker()); // its HEADERS go out next: the response time starts
    }

    /** Its response headers went to the client. */
    void commit() {
        state = State.COMMITTED;
        cancelPerTryTimer();
    }

    /**
     * Ends the attempt, which did not commit, with {@code ended}; reports it to outlier detection
     * and the endpoint's meters. Its stream, if any, is reset (CANCEL) if {@code resetStream}, else
     * left to close by itself.
     */
    void end(AttemptOutcome ended, boolean resetStream) {
        outcome = ended;
        finish(ended.status(), resetStream);
        switch (ended.kind()) {
            case NOT_SENT, RESET, CONNECTION_CLOSED, PER_TRY_TIMEOUT -> selection.failed();
            case TRAILERS_ONLY -> reportStatus(ended.status());
            case REFUSED_STREAM, REFUSED_BY_GOAWAY, RESET_AT_DEADLINE -> {
                // a backend shedding load or draining, or a deadline: nothing against the endpoint
            }
        }
    }

    /** The call no longer wants this attempt (another won, the call ended): reset with {@code error}. */
    void cancel(Http2Error error) {
        if (state == State.ENDED) {
            return;
        }
        cancelPerTryTimer();
        if (stream != null) {
            stream.reset(error);
        }
        finish(GrpcCode.CANCELLED, false);
    }

    /**
     * The committed attempt's response ended with {@code status} (from its trailers if
     * {@code withTrailers}); its stream is reset if {@code resetStream} (the request had not ended).
     */
    void responseEnded(GrpcCode status, boolean withTrailers, boolean resetStream) {
        if (withTrailers) {
            reportStatus(status);
        } else {
            selection.succeeded(); // a response without trailers: the backend answered
        }
        finish(status, resetStream);
    }

    /** The committed attempt failed before its response ended: reported, and the call fails. */
    private void failedAfterCommit(GrpcCode status, boolean againstEndpoint, String reason, Http2Error resetIfMidMessage) {
        if (againstEndpoint) {
            selection.failed();
        }
        finish(status, true);
        call.committedFailed(status, reason, resetIfMidMessage);
    }

    private void reportStatus(GrpcCode status) {
        OutlierDetection outliers = call.outlierDetection();
        if (outliers.enabled() && outliers.errorCodes().contains(status)) {
            selection.failed();
        } else {
            selection.succeeded();
        }
    }

    private void finish(GrpcCode status, boolean resetStream) {
        state = State.ENDED;
        cancelPerTryTimer();
        if (stream != null) {
            if (resetStream && !resetByBackend) {
                stream.reset(Http2Error.CANCEL); // frees what it holds; nothing is sent if it ended already
            } else {
                stream.handler(null);
            }
        }
        selection.finish();
        if (endpointMeters != null) {
            endpointMeters.attemptEnded(status.value(), call.nanoTime() - startNanos);
        }
    }

    private void cancelPerTryTimer() {
        call.timers().cancel(this);
    }

    // ---- the pool (StreamCallback) ----

    @Override
    public void opened(ProxyStream opened) {
        if (state != State.OPENING) {
            opened.reset(Http2Error.CANCEL); // the call moved on meanwhile
            return;
        }
        call.attemptOpened(this, opened);
    }

    @Override
    public void failed(String reason) {
        if (state == State.OPENING) {
            call.attemptEnded(this, AttemptOutcome.notSent(reason));
        }
    }

    @Override
    public boolean cancelled() {
        return state != State.OPENING;
    }

    // ---- the HEADERS write ----

    @Override
    public void operationComplete(ChannelFuture written) {
        if (written.isSuccess()) {
            headersOnWire = true;
        } else if (state == State.OPEN) {
            String reason = "could not start a stream on " + endpoint() + ": " + written.cause();
            // a write can fail while the call is still writing: hear of it from a task of its own
            call.eventLoop().execute(() -> {
                if (state == State.OPEN && !headersOnWire) {
                    call.attemptEnded(this, AttemptOutcome.notSent(reason));
                }
            });
        }
    }

    // ---- the per-try timer ----

    @Override
    void expired(long nowNanos) {
        if (state == State.OPENING || state == State.OPEN) { // waiting for a connection counts too
            call.attemptEnded(this, AttemptOutcome.perTryTimeout("no response from backend " + endpoint()
                    + " within the per-try timeout of " + call.perTryTimeoutMillis() + " ms"));
        }
    }

    // ---- the upstream stream (StreamHandler) ----

    @Override
    public void headersRead(Http2Headers headers, boolean endStream) {
        selection.responseStarted(call.ticker()); // a latency sample at the first response headers
        if (state == State.COMMITTED) {
            call.responseHeaders(this, headers, endStream);
        } else if (state == State.OPEN) {
            if (endStream) {
                trailersOnly = headers;
                GrpcCode status = GrpcResponses.statusOf(headers);
                call.attemptEnded(this, AttemptOutcome.trailersOnly(status,
                        "backend " + endpoint() + " answered " + status.configName()));
            } else {
                call.responseHeaders(this, headers, false);
            }
        }
    }

    @Override
    public void dataRead(ByteBuf data, int credit, boolean endStream) {
        if (state == State.COMMITTED) {
            call.responseData(data, credit, endStream);
            return;
        }
        data.release();
        stream.consume(credit);
        if (state == State.OPEN) { // DATA before HEADERS breaks gRPC's framing: the backend is broken
            call.attemptEnded(this, AttemptOutcome.reset(Http2Error.PROTOCOL_ERROR, false,
                    "backend " + endpoint() + " sent DATA before response headers"));
        }
    }

    @Override
    public void resetRead(Http2Error error) {
        resetByBackend = true;
        String reason = "backend " + endpoint() + " reset the stream (" + error + ")";
        if (state == State.COMMITTED) {
            boolean atDeadline = call.atDeadline(); // then the backend gave up at the deadline it was sent
            // mid-message the reset is passed on; a backend's CANCEL becomes INTERNAL_ERROR there,
            // as the client did not cancel: its response was cut
            failedAfterCommit(atDeadline ? GrpcCode.DEADLINE_EXCEEDED : GrpcResponses.ofUpstreamReset(error),
                    !atDeadline, reason, error == Http2Error.CANCEL ? Http2Error.INTERNAL_ERROR : error);
        } else if (state == State.OPEN) {
            call.attemptEnded(this, error == Http2Error.REFUSED_STREAM
                    ? AttemptOutcome.refusedStream("backend " + endpoint() + " refused the stream")
                    : AttemptOutcome.reset(error, call.atDeadline(), reason));
        }
    }

    @Override
    public void refusedByGoAway() {
        if (state == State.OPEN) {
            call.attemptEnded(this, AttemptOutcome.refusedByGoAway(
                    "backend " + endpoint() + " sent GOAWAY before the call started"));
        } else {
            closed();
        }
    }

    @Override
    public void closed() {
        String reason = "connection to backend " + endpoint() + " closed before the call completed";
        if (state == State.COMMITTED) {
            failedAfterCommit(GrpcCode.UNAVAILABLE, true, reason, Http2Error.INTERNAL_ERROR);
        } else if (state == State.OPEN) {
            call.attemptEnded(this, headersOnWire ? AttemptOutcome.connectionClosed(reason)
                    : AttemptOutcome.notSent("connection to backend " + endpoint() + " closed before the request left"));
        }
    }

    // ---- the list of a call's live attempts, linked through nextLive, newest first ----

    /** The list {@code head} without {@code attempt}. */
    static Attempt unlink(Attempt head, Attempt attempt) {
        Attempt newHead = head;
        if (head == attempt) {
            newHead = attempt.nextLive;
        } else {
            for (Attempt a = head; a != null; a = a.nextLive) {
                if (a.nextLive == attempt) {
                    a.nextLive = attempt.nextLive;
                    break;
                }
            }
        }
        attempt.nextLive = null;
        return newHead;
    }

    static int count(Attempt head) {
        int count = 0;
        for (Attempt a = head; a != null; a = a.nextLive) {
            count++;
        }
        return count;
    }

    /** The attempt started first among those with a stream, or null. */
    static Attempt oldestOpen(Attempt head) {
        Attempt oldest = null;
        for (Attempt a = head; a != null; a = a.nextLive) {
            if (a.isOpen()) {
                oldest = a;
            }
        }
        return oldest;
    }

    /** The attempt started first, or null. */
    static Attempt oldest(Attempt head) {
        Attempt oldest = head;
        while (oldest != null && oldest.nextLive != null) {
            oldest = oldest.nextLive;
        }
        return oldest;
    }

    /** Cancels every attempt of the list but {@code keep}; returns the list left ({@code keep} or nothing). */
    static Attempt cancelAllBut(Attempt head, Attempt keep, Http2Error error) {
        for (Attempt a = head; a != null; a = a.nextLive) {
            if (a != keep) {
                a.cancel(error);
            }
        }
        if (keep != null) {
            keep.nextLive = null;
        }
        return keep;
    }

    /** The endpoints of the list's attempts and of {@code also} (if not null): those a hedge avoids. */
    static List<EndpointAddress> endpoints(Attempt head, Attempt also) {
        List<EndpointAddress> endpoints = new ArrayList<>(4);
        for (Attempt a = head; a != null; a = a.nextLive) {
            endpoints.add(a.endpoint());
        }
        if (also != null) {
            endpoints.add(also.endpoint());
        }
        return endpoints;
    }

    @Override
    public String toString() {
        return "attempt " + number + " at " + endpoint() + " (" + state + ")";
    }
}
