package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.http2.StreamHandler;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.metrics.CallMeters;
import dev.grpcbalancer.metrics.EndpointMeters;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * One gRPC call: an inbound HTTP/2 stream relayed, frame by frame, to the upstream stream of one
 * {@link Attempt} or more. A state machine ({@link CallState}); each transition is one method
 * below, and what follows an attempt that did not commit is decided by {@link Decisions}.
 *
 * <p>Confined to the inbound stream's event loop; upstream streams are opened on the same loop,
 * and the pool never calls back into the call while it is asking for a stream, so no transition
 * runs inside another.
 *
 * <p><b>Flow control.</b> A DATA frame read on one side is written to the other, and its bytes are
 * credited back to the sender ({@link ProxyStream#consume}) only once that write reached the
 * socket: a slow reader on either side slows the writer on the other, and the proxy holds at most
 * about one stream window per direction. Request data sent to several hedged attempts is credited
 * with its write to one of them; the copies for the others are bounded by the replay buffer.
 *
 * <p><b>Reference counting.</b> Every data frame read is either written on (ownership passes) or
 * released here, and its flow-control credit returned either way; replay copies are released
 * when the call commits, ends, or can no longer make another attempt.
 */
final class ProxyCall implements StreamHandler, CallTimer.Expiry {

    private final ProxyStream inbound;
    private final RouteRuntime route;
    private final CallEngine engine;
    private final CallTimer timer;
    private final RequestRelay request;
    private final ClientResponse response;
    private CallState state = CallState.ATTEMPTING;
    /** Attempts started and not ended, newest first (more than one only when hedging). */
    private Attempt live;
    private Attempt committed;
    /** The last attempt that ended without committing: a retry avoids its endpoint. */
    private Attempt lastEnded;
    private int attemptsStarted;
    /** The timers of the client connection's calls: this call's limits, attempts and backoff. */
    private final CallTimers timers;
    /** The retry backoff, or the hedging delay; made when first needed. */
    private NextAttempt nextAttempt;
    private boolean holdsBudgetSlot;
    private long startNanos;

    ProxyCall(ProxyStream inbound, RouteRuntime route, CallEngine engine, CallTimers timers) {
        this.inbound = inbound;
        this.route = route;
        this.engine = engine;
        this.timers = timers;
        this.timer = new CallTimer(timers, engine.ticker(), route.timeouts().streamIdle().toNanos(), this);
        this.request = new RequestRelay(inbound, route.retry().replayBufferBytes());
        this.response = new ClientResponse(inbound, route.meters(), route.responseRewrite());
    }

    // ---- the start ----

    /** The request's HEADERS arrived: check it, start the clock and the first attempt. */
    void start(Http2Headers headers, boolean endStream) {
        startNanos = engine.nanoTime();
        route.meters().callStarted();
        route.retryBudget().callStarted();
        request.start(headers, endStream);
        RequestCheck.Rejection rejection = RequestCheck.check(headers);
        if (rejection != null) {
            done(rejection.grpcStatus(), Http2Error.CANCEL);
            response.httpError(rejection, endStream);
            return;
        }
        if (!route.matched()) {
            fail(GrpcCode.UNIMPLEMENTED, "no rule of balancer " + route.balancer() + " matches " + headers.path());
            return;
        }
        timer.start(startNanos, GrpcTimeout.parseNanos(headers.get(GrpcResponses.GRPC_TIMEOUT)),
                route.timeouts().request().toNanos());
        route.requestRewrite().apply(headers); // in place: every attempt sends the request headers rewritten
        startAttempt(false);
    }

    // ---- the client's stream ----

    @Override
    public void dataRead(ByteBuf data, int credit, boolean endStream) {
        route.meters().received(data.readableBytes());
        switch (state) {
            case DONE -> request.discard(data, credit, endStream);
            case COMMITTED -> {
                timer.frame();
                request.data(data, credit, endStream, committed.stream());
            }
            default -> {
                timer.frame();
                Attempt target = Attempt.oldestOpen(live);
                if (!request.data(data, credit, endStream, target, live)) {
                    narrowTo(target); // hedges cannot go on without the whole request
                }
            }
        }
    }

    /** HEADERS after the first on the request: the client's trailers, which end it. */
    @Override
    public void headersRead(Http2Headers trailers, boolean endStream) {
        if (state == CallState.DONE) {
            return;
        }
        timer.frame();
        if (state == CallState.BACKING_OFF) {
            request.trailers(trailers, null); // they end the request, and no retry could be sent them
            fail(lastEnded.outcome().status(), lastEnded.outcome().reason());
            return;
        }
        request.trailers(trailers, state == CallState.COMMITTED ? committed : narrowTo(Attempt.oldest(live)));
    }

    @Override
    public void resetRead(Http2Error error) {
        clientGone(error != null ? error : Http2Error.CANCEL);
    }

    @Override
    public void closed() {
        clientGone(Http2Error.CANCEL);
    }

    /** The client reset the stream or its connection closed: its attempts are reset the same way. */
    private void clientGone(Http2Error error) {
        if (state != CallState.DONE) {
            done(GrpcCode.CANCELLED, error);
        }
    }

    // ---- attempts ----

    /** Starts an attempt: the one place where an endpoint is picked. */
    private void startAttempt(boolean hedge) {
        Selection selection = live == null
                ? route.pick(lastEnded == null ? null : lastEnded.endpoint(), request.headers())
                : route.pickOther(Attempt.endpoints(live, lastEnded));
        if (selection == null) {
            fail(GrpcCode.UNAVAILABLE, lastEnded != null ? lastEnded.outcome().reason() : route.noEndpointsReason());
            return;
        }
        EndpointAddress address = selection.address();
        if (lastEnded != null && !lastEnded.outcome().reachedBackend()
                && lastEnded.outcome().kind() != AttemptOutcome.Kind.REFUSED_BY_GOAWAY
                && address.equals(lastEnded.endpoint())) {
            // the only endpoint left is the one that could not be reached a moment ago (a GOAWAY
            // refuses a connection, not the endpoint: that one may take the call on a new one)
            selection.finish();
            if (live == null) {
                fail(GrpcCode.UNAVAILABLE, lastEnded.outcome().reason());
            }
            return;
        }
        attemptsStarted++;
        CallMeters meters = route.meters();
        if (hedge) {
            meters.hedged();
        } else if (attemptsStarted > 1) {
            meters.retried();
        }
        EndpointMeters.Endpoint endpointMeters = route.endpointMeters(selection);
        if (endpointMeters != null) {
            endpointMeters.attemptStarted();
        }
        Attempt attempt = new Attempt(this, attemptsStarted, selection, endpointMeters);
        attempt.nextLive = live;
        live = attempt;
        HedgingPolicy hedging = route.hedging();
        if (hedging.enabled()) {
            armHedgingDelay(hedging);
        } else if (!route.retry().perTryTimeout().isZero()) {
            attempt.armPerTryTimer(route.retry().perTryTimeout().toNanos());
        }
        ProxyStream stream = engine.pools().openStream(inbound.eventLoop(), address, route.upstreamTls(), attempt,
                route.timeouts().connect(), route.keepalive());
        if (stream != null) {
            attemptOpened(attempt, stream);
        }
    }

    /** {@code attempt} got its stream: its HEADERS go out now, then the request so far. */
    void attemptOpened(Attempt attempt, ProxyStream stream) {
        attempt.streamOpened(stream);
        request.sendTo(stream, attempt.number(), timer.remainingNanos()).addListener(attempt);
        if (!request.canReplay()) {
            narrowTo(attempt);
        }
    }

    /**
     * {@code attempt} ended without committing: it is reported, and the call does what
     * {@link Decisions} says.
     */
    void attemptEnded(Attempt attempt, AttemptOutcome outcome) {
        live = Attempt.unlink(live, attempt);
        // a trailers-only answer to a whole request closes the stream by itself
        attempt.end(outcome, !(outcome.kind() == AttemptOutcome.Kind.TRAILERS_ONLY && request.ended()));
        lastEnded = attempt;
        act(attempt, decideAfter(outcome, budgetAllows()));
    }

    private Decision decideAfter(AttemptOutcome outcome, boolean budgetAllows) {
        return Decisions.afterAttempt(route.retry(), route.hedging(), outcome, situation(budgetAllows),
                ThreadLocalRandom.current().nextDouble());
    }

    private void act(Attempt ended, Decision decision) {
        switch (decision.kind()) {
            case RETRY_NOW -> startAttempt(false);
            case HEDGE_NOW -> {
                if (takeBudget()) {
                    startAttempt(true);
                } else {
                    act(ended, decideAfter(ended.outcome(), false));
                }
            }
            case RETRY_AFTER -> {
                if (takeBudget()) {
                    state = CallState.BACKING_OFF;
                    armNextAttempt(decision.delayNanos());
                } else {
                    act(ended, decideAfter(ended.outcome(), false));
                }
            }
            case WAIT -> {
                // the call's other attempts go on
            }
            case COMMIT -> passOnTrailersOnly(ended);
            case FAIL -> fail(decision.status(), decision.message());
        }
    }

    /** The retry backoff ended. */
    private void backoffPassed() {
        if (state == CallState.BACKING_OFF) {
            state = CallState.ATTEMPTING;
            startAttempt(false);
        }
    }

    private void armHedgingDelay(HedgingPolicy hedging) {
        cancelNextAttemptTimer();
        long delay = hedging.hedgingDelay().toNanos();
        if (attemptsStarted < hedging.maxAttempts() && delay < timer.remainingNanos()) {
            armNextAttempt(delay);
        }
    }

    /** The hedging delay passed without response headers: another attempt, if allowed. */
    private void hedgingDelayPassed() {
        if (state == CallState.ATTEMPTING
                && Decisions.onHedgingDelay(route.hedging(), situation(budgetAllows())) == Decision.HEDGE_NOW
                && takeBudget()) {
            startAttempt(true);
        }
    }

    /** Response headers arrived on {@code attempt}: the first commit it, later ones are its trailers. */
    void responseHeaders(Attempt attempt, Http2Headers headers, boolean endStream) {
        timer.frame();
        if (attempt.state() == Attempt.State.OPEN) {
            commit(attempt);
        }
        ChannelFuture written = response.headers(headers, endStream);
        if (endStream) {
            responseComplete(written, GrpcResponses.statusOf(headers), true);
        }
    }

    /** Response data of the committed attempt goes to the client; its credit goes back once it is out. */
    void responseData(ByteBuf data, int credit, boolean endStream) {
        timer.frame();
        ChannelFuture written = response.data(data, endStream, committed.stream(), credit);
        if (endStream) {
            responseComplete(written, GrpcCode.UNKNOWN, false); // a response without trailers has no status
        }
    }

    private void commit(Attempt winner) {
        state = CallState.COMMITTED;
        committed = winner;
        live = Attempt.unlink(live, winner);
        cancelNextAttemptTimer();
        cancelLive(Http2Error.CANCEL); // the losing hedges: their backends see the cancellation
        winner.commit();
        request.committed();
        if (winner.number() > 1 && route.hedging().enabled()) {
            route.meters().hedgeWon();
        }
    }

    /** The ended attempt's trailers-only answer goes to the client unchanged. */
    private void passOnTrailersOnly(Attempt ended) {
        ChannelFuture written = response.headers(ended.trailersOnly(), true);
        done(ended.outcome().status(), Http2Error.CANCEL);
        response.endAfter(written, request.ended());
    }

    /**
     * The committed attempt's stream was reset or its connection lost before the response ended
     * (the attempt has ended): the client gets {@code status}, or RST_STREAM({@code resetIfMidMessage})
     * in the middle of a message.
     */
    void committedFailed(GrpcCode status, String reason, Http2Error resetIfMidMessage) {
        fail(status, reason, resetIfMidMessage);
    }

    // ---- endings ----

    /** The call's deadline passed, or the stream idle timeout. */
    @Override
    public void timedOut(GrpcCode status, String message) {
        fail(status, message);
    }

    private void responseComplete(ChannelFuture lastWrite, GrpcCode status, boolean withTrailers) {
        committed.responseEnded(status, withTrailers, !request.ended());
        done(status, Http2Error.CANCEL);
        response.endAfter(lastWrite, request.ended());
    }

    private void fail(GrpcCode status, String message) {
        fail(status, message, status == GrpcCode.DEADLINE_EXCEEDED ? Http2Error.CANCEL : Http2Error.INTERNAL_ERROR);
    }

    /** Ends the call with a status of the proxy's own (see {@link ClientResponse#fail}). */
    private void fail(GrpcCode status, String message, Http2Error resetIfMidMessage) {
        if (state == CallState.DONE) {
            return;
        }
        done(status, Http2Error.CANCEL);
        response.fail(status, message, resetIfMidMessage, request.ended());
    }

    /**
     * The transition to {@link CallState#DONE}: attempts still running are reset with
     * {@code resetWith}, timers stop, everything held is released, and the call is recorded with
     * the {@code status} the client gets.
     */
    private void done(GrpcCode status, Http2Error resetWith) {
        EndpointAddress endpoint = committed != null ? committed.endpoint()
                : live != null ? live.endpoint() : lastEnded != null ? lastEnded.endpoint() : null;
        state = CallState.DONE;
        timer.cancel();
        cancelNextAttemptTimer();
        cancelLive(resetWith);
        if (committed != null) {
            committed.cancel(resetWith); // nothing if its response ended
        }
        route.retryBudget().callEnded(holdsBudgetSlot);
        holdsBudgetSlot = false;
        request.release();
        CallLog.record(route, request, response, endpoint, status, engine.nanoTime() - startNanos, attemptsStarted);
    }

    // ---- helpers ----

    CallTimers timers() {
        return timers;
    }

    EventLoop eventLoop() {
        return inbound.eventLoop();
    }

    long nanoTime() {
        return engine.nanoTime();
    }

    /** The engine's clock. */
    LongSupplier ticker() {
        return engine.ticker();
    }

    OutlierDetection outlierDetection() {
        return route.outlierDetection();
    }

    long perTryTimeoutMillis() {
        return route.retry().perTryTimeout().toMillis();
    }

    /** Whether the call's deadline has passed, or is about to (a reset now is the backend giving up at it). */
    boolean atDeadline() {
        return timer.hasDeadline() && timer.remainingNanos() < Decisions.DEADLINE_SLACK_NANOS;
    }

    private Decisions.Situation situation(boolean budgetAllows) {
        return new Decisions.Situation(attemptsStarted, Attempt.count(live), request.canReplay(), budgetAllows,
                timer.remainingNanos());
    }

    private boolean budgetAllows() {
        return holdsBudgetSlot || route.retryBudget().allows();
    }

    /** Takes one retry (or hedge) from the budget; a call that holds a slot needs nothing more. */
    private boolean takeBudget() {
        if (holdsBudgetSlot) {
            return true;
        }
        RetryBudget.Grant grant = route.retryBudget().acquire();
        holdsBudgetSlot = grant == RetryBudget.Grant.SLOT;
        return grant != RetryBudget.Grant.DENIED;
    }

    /** Cancels every live attempt but {@code keep} and every hedge to come; returns {@code keep}. */
    private Attempt narrowTo(Attempt keep) {
        cancelNextAttemptTimer();
        live = Attempt.cancelAllBut(live, keep, Http2Error.CANCEL);
        return keep;
    }

    private void cancelLive(Http2Error error) {
        live = Attempt.cancelAllBut(live, null, error);
    }

    private void armNextAttempt(long delayNanos) {
        if (nextAttempt == null) {
            nextAttempt = new NextAttempt();
        }
        long now = engine.nanoTime();
        timers.schedule(nextAttempt, now + delayNanos, now);
    }

    private void cancelNextAttemptTimer() {
        if (nextAttempt != null) {
            timers.cancel(nextAttempt);
        }
    }

    /**
     * The timer of the next attempt: a retry backoff while the call is BACKING_OFF, else the
     * hedging delay (arming one replaces the other).
     */
    private final class NextAttempt extends CallTimers.Entry {

        @Override
        void expired(long nowNanos) {
            if (state == CallState.BACKING_OFF) {
                backoffPassed();
            } else {
                hedgingDelayPassed();
            }
        }
    }
}
