package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.http2.StreamHandler;
import dev.grpcbalancer.dataplane.upstream.StreamCallback;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC call: an inbound HTTP/2 stream relayed to one upstream stream, frame by frame.
 *
 * <p>Confined to the inbound stream's event loop; upstream streams are opened on the same loop.
 *
 * <p><b>Flow control.</b> A DATA frame read on one side is written to the other, and its bytes are
 * credited back to the sender ({@link ProxyStream#consume}) only once that write reached the
 * socket. HTTP/2 WINDOW_UPDATEs therefore follow the reader on the far side: a slow reader on
 * either side slows the writer on the other, and the proxy holds at most about one stream window
 * per direction.
 *
 * <p><b>Retries</b> (the balancer's {@link RetryPolicy}). While no response headers went to the
 * client, the request frames written upstream are kept (up to the replay buffer). An attempt that
 * provably never reached its backend (connect failure, REFUSED_STREAM, a stream above a GOAWAY's
 * last-stream-id) is retried at once on another endpoint. An attempt the backend answered with a
 * trailers-only response, or reset, or whose connection closed, or that the per-try timeout cut,
 * is retried only if its gRPC code is in {@code retryOn} (a per-try timeout always is), the retry
 * budget allows it and the call's deadline leaves room for the jittered backoff. At most
 * {@code numRetries} retries; each carries {@code grpc-previous-rpc-attempts}.
 *
 * <p><b>Timeouts</b> ({@link CallTimer}). The call's deadline is the shorter of the client's
 * {@code grpc-timeout} and the balancer's request timeout; a call with no frame in either
 * direction for the stream idle timeout is ended.
 *
 * <p><b>Reference counting.</b> Every data frame read is either written on (ownership passes) or
 * released here, and its flow-control credit returned either way; replay copies are released
 * when the call ends or can no longer be retried.
 */
final class ProxyCall implements StreamHandler {

    /** A backend reset this close to the call's deadline is taken as the deadline passing. */
    private static final long DEADLINE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final AsciiString PREVIOUS_ATTEMPTS = AsciiString.cached("grpc-previous-rpc-attempts");
    /** One line per call at INFO when enabled ({@code --access-log}); off by default. */
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.grpcbalancer.access");

    private final ProxyStream inbound;
    private final BalancerRuntime runtime;
    private final RetryPolicy retry;
    private final UpstreamPools pools;

    private Http2Headers requestHeaders;
    private boolean requestEnded;
    private final CallTimer timer;

    /** Request data read while no upstream stream was ready; written when it is. Created on first use. */
    private ArrayDeque<PendingData> unsent;
    private final ReplayBuffer replay;

    private final CallRetries retries;
    private Attempt attempt;
    private ScheduledFuture<?> backoffTimer;
    private boolean lastAttemptReachedBackend;
    /** The last attempt was refused by its connection's GOAWAY: its endpoint may take the retry on another connection. */
    private boolean lastRefusedByGoAway;
    private EndpointAddress lastEndpoint;
    private String lastFailure;

    private final MessageBoundary responseFraming = new MessageBoundary();
    private boolean responseStarted;
    private boolean responseEnded;
    private boolean done;

    private final BalancerMeters meters;
    private long startNanos;
    private long bytesIn;
    private long bytesOut;
    /** The grpc-status the client got (or gets), null until known. */
    private GrpcCode outcome;

    ProxyCall(ProxyStream inbound, BalancerRuntime runtime, UpstreamPools pools) {
        this.inbound = inbound;
        this.runtime = runtime;
        this.meters = runtime.meters();
        this.retry = runtime.config().retry();
        this.pools = pools;
        this.replay = new ReplayBuffer(retry.replayBufferBytes());
        this.retries = new CallRetries(retry, runtime.retryBudget());
        this.timer = new CallTimer(inbound.eventLoop(), runtime.config().timeouts().streamIdle().toNanos(),
                new CallTimer.Expiry() {
                    @Override
                    public void deadlinePassed(boolean fromRequestTimeout) {
                        fail(GrpcCode.DEADLINE_EXCEEDED, fromRequestTimeout
                                ? "request timeout of " + millis(runtime.config().timeouts().request())
                                        + " passed in grpc-balancer"
                                : "deadline passed in grpc-balancer before the backend answered");
                    }

                    @Override
                    public void idle() {
                        fail(GrpcCode.UNAVAILABLE, "no frame in either direction for "
                                + millis(runtime.config().timeouts().streamIdle()) + " (stream idle timeout)");
                    }
                });
    }

    // ---- inbound events ----

    void start(Http2Headers headers, boolean endStream) {
        startNanos = System.nanoTime();
        meters.callStarted();
        requestHeaders = headers;
        requestEnded = endStream;
        RequestCheck.Rejection rejection = RequestCheck.check(headers);
        if (rejection != null) {
            outcome = rejection.grpcStatus();
            respondHttpError(rejection);
            return;
        }
        timer.start(GrpcTimeout.parseNanos(headers.get(GrpcResponses.GRPC_TIMEOUT)),
                runtime.config().timeouts().request().toNanos());
        retries.callStarted();
        nextAttempt();
    }

    @Override
    public void dataRead(ByteBuf data, int credit, boolean endStream) {
        int bytes = data.readableBytes();
        bytesIn += bytes;
        meters.received(bytes);
        if (endStream) {
            requestEnded = true;
        }
        if (done || responseEnded) {
            data.release();
            inbound.consume(credit);
            return;
        }
        timer.frame();
        if (attempt == null || attempt.stream == null) {
            holdUnsent(new PendingData(data, credit, endStream));
            return;
        }
        writeUpstream(data, credit, endStream);
    }

    /** HEADERS after the first on the request: the client's trailers. */
    @Override
    public void headersRead(Http2Headers headers, boolean endStream) {
        requestTrailers(headers);
    }

    @Override
    public void resetRead(Http2Error error) {
        clientReset(error != null ? error : Http2Error.CANCEL);
    }

    @Override
    public void closed() {
        inboundClosed();
    }

    private void requestTrailers(Http2Headers trailers) {
        requestEnded = true;
        if (done || responseEnded) {
            return;
        }
        timer.frame();
        replay.release(); // trailers are not kept for a replay
        if (attempt != null && attempt.stream != null) {
            attempt.stream.writeHeaders(trailers, true);
        } else {
            // rare: keep it simple and end the request with an empty frame after the queued data
            holdUnsent(new PendingData(Unpooled.EMPTY_BUFFER, 0, true));
        }
    }

    private void clientReset(Http2Error error) {
        if (done) {
            return;
        }
        outcome = GrpcCode.CANCELLED;
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.reset(error);
        }
    }

    private void inboundClosed() {
        if (done) {
            return;
        }
        outcome = GrpcCode.CANCELLED;
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.reset(Http2Error.CANCEL);
        }
    }

    // ---- attempts ----

    private void nextAttempt() {
        backoffTimer = null;
        if (done) {
            return;
        }
        Selection selection = runtime.loadBalancer().pick(lastEndpoint, runtime.hashKey(requestHeaders));
        if (selection == null) {
            fail(GrpcCode.UNAVAILABLE, lastFailure != null ? lastFailure
                    : "no endpoints available for balancer " + runtime.config().id());
            return;
        }
        boolean avoidLastEndpoint = lastEndpoint != null && !lastAttemptReachedBackend && !lastRefusedByGoAway;
        lastRefusedByGoAway = false;
        if (avoidLastEndpoint && selection.endpoint().address().equals(lastEndpoint)) {
            // the only endpoint left is the one that could not be reached a moment ago
            selection.finish();
            fail(GrpcCode.UNAVAILABLE, lastFailure);
            return;
        }
        retries.attemptStarted();
        if (retries.attempts() > 1) {
            meters.retried();
        }
        if (meters.perEndpoint()) {
            meters.attempted(selection.endpoint().address());
        }
        Attempt next = new Attempt(selection);
        attempt = next;
        lastEndpoint = selection.endpoint().address();
        long perTry = retry.perTryTimeout().toNanos();
        if (perTry > 0) {
            next.perTryTimer = inbound.eventLoop().schedule(() -> perTryTimeoutPassed(next), perTry,
                    TimeUnit.NANOSECONDS);
        }
        pools.openStream(inbound.eventLoop(), lastEndpoint, next, runtime.config().timeouts().connect(),
                runtime.config().keepalive());
    }

    private void streamOpened(Attempt opened, ProxyStream stream) {
        if (opened != attempt || done) {
            stream.reset(Http2Error.CANCEL);
            return;
        }
        opened.stream = stream;
        stream.handler(opened);
        int attempts = retries.attempts();
        Http2Headers headers = attempts == 1 ? requestHeaders : new DefaultHttp2Headers().add(requestHeaders);
        if (timer.hasDeadline()) {
            headers.set(GrpcResponses.GRPC_TIMEOUT, GrpcTimeout.format(timer.remainingNanos()));
        }
        if (attempts > 1) {
            headers.setInt(PREVIOUS_ATTEMPTS, attempts - 1);
        }
        boolean headersEndStream = requestEnded && noUnsent() && replay.isEmpty();
        opened.selection.requestSent();
        stream.writeHeaders(headers, headersEndStream).addListener(f -> {
            if (!f.isSuccess() && opened == attempt && !responseStarted) {
                attemptNotSent(opened, true, "could not start a stream on " + opened.endpoint() + ": " + f.cause());
            }
        });
        if (opened != attempt) {
            return; // the HEADERS write failed at once and the call moved on
        }
        replay.replayTo(stream, requestEnded && noUnsent());
        if (unsent != null) {
            PendingData pending;
            while ((pending = unsent.poll()) != null) {
                writeUpstream(pending.data(), pending.credit(), pending.endStream());
            }
        }
    }

    /**
     * The attempt never reached its backend: retry at once, else end the call with UNAVAILABLE.
     *
     * @param backendAtFault a connect failure counts against the endpoint for outlier detection;
     *     a refused stream or a GOAWAY (a backend shedding load or draining) counts neither way
     */
    private void attemptNotSent(Attempt failed, boolean backendAtFault, String reason) {
        if (!backendAtFault) {
            failed.countedForOutliers = true;
        }
        attemptFailed(failed, false, true, GrpcCode.UNAVAILABLE, reason);
    }

    /**
     * The attempt failed before any response went to the client: retry it if the policy allows,
     * else end the call with {@code code}.
     *
     * @param reachedBackend false only when the request provably never reached the backend
     * @param optedIn whether the user asked for this failure to be retried (ignored when the
     *     request never reached the backend: that is always safe to retry)
     */
    private void attemptFailed(Attempt failed, boolean reachedBackend, boolean optedIn, GrpcCode code,
            String reason) {
        if (failed != attempt || done) {
            return;
        }
        endAttempt(failed, false);
        lastFailure = reason;
        if (!retryScheduled(reachedBackend, optedIn)) {
            fail(code, lastFailure);
        }
    }

    /** Ends the current attempt (its stream is reset if open) and reports it to outlier detection. */
    private void endAttempt(Attempt ended, boolean succeeded) {
        ended.cancelPerTryTimer();
        if (!ended.countedForOutliers) {
            if (succeeded) {
                ended.selection.succeeded();
            } else {
                ended.selection.failed();
            }
        }
        ended.selection.finish();
        if (ended.stream != null) {
            ended.stream.reset(Http2Error.CANCEL);
        }
        attempt = null;
    }

    /**
     * Starts another attempt now (the last one never reached a backend) or after a jittered
     * backoff, if the policy, the replay buffer, the budget and the deadline allow it.
     */
    private boolean retryScheduled(boolean reachedBackend, boolean optedIn) {
        if (responseStarted || !retries.retriesLeft() || !replay.canReplay()) {
            return false;
        }
        lastAttemptReachedBackend = reachedBackend;
        if (!reachedBackend) {
            nextAttempt();
            return true;
        }
        if (!optedIn) {
            return false;
        }
        long delay = retries.backoffNanos(timer.hasDeadline() ? timer.remainingNanos() : Long.MAX_VALUE);
        if (delay == CallRetries.NO_BUDGET) {
            lastFailure = lastFailure + " (retry budget exhausted)";
            return false;
        }
        if (delay == CallRetries.NO_TIME) {
            return false;
        }
        backoffTimer = inbound.eventLoop().schedule(this::nextAttempt, delay, TimeUnit.NANOSECONDS);
        return true;
    }

    private void perTryTimeoutPassed(Attempt timedOut) {
        timedOut.perTryTimer = null;
        if (timedOut != attempt || done || responseStarted) {
            return;
        }
        attemptFailed(timedOut, true, true, GrpcCode.DEADLINE_EXCEEDED, "no response from backend " + timedOut.endpoint()
                + " within the per-try timeout of " + millis(retry.perTryTimeout()));
    }

    /** Writes request data upstream; its credit goes back to the client once it is on the wire. */
    private void writeUpstream(ByteBuf data, int credit, boolean endStream) {
        replay.record(data);
        attempt.stream.writeData(data, endStream, inbound, credit);
    }

    // ---- upstream events (from the attempt's stream) ----

    private void responseHeaders(Attempt from, Http2Headers headers, boolean endStream) {
        if (from != attempt || done) {
            return;
        }
        from.selection.responseStarted();
        timer.frame();
        if (!responseStarted && endStream) {
            // Trailers-only: nothing went to the client yet, so a retryable status may be retried.
            GrpcCode code = GrpcResponses.statusOf(headers);
            if (code != GrpcCode.OK && retry.retries(code)) {
                endAttempt(from, !runtime.config().outlierDetection().errorCodes().contains(code));
                lastFailure = "backend " + from.endpoint() + " answered " + code.configName();
                if (retryScheduled(true, true)) {
                    return;
                }
                // Not retried after all: the client gets the backend's own answer.
                responseStarted = true;
                outcome = code;
                responseComplete(inbound.writeHeaders(headers, true));
                return;
            }
        }
        if (!responseStarted) {
            responseStarted = true;
            from.cancelPerTryTimer();
            replay.release();
        }
        ChannelFuture written = inbound.writeHeaders(headers, endStream);
        if (endStream) {
            GrpcCode code = GrpcResponses.statusOf(headers);
            outcome = code;
            OutlierDetection outliers = runtime.config().outlierDetection();
            if (outliers.enabled() && outliers.errorCodes().contains(code)) {
                from.selection.failed();
            } else {
                from.selection.succeeded();
            }
            responseComplete(written);
        }
    }

    /** Response data goes to the client; its credit goes back to the backend once it is on the wire. */
    private void responseData(Attempt from, ByteBuf data, int credit, boolean endStream) {
        if (from != attempt || done) {
            data.release();
            from.stream.consume(credit);
            return;
        }
        timer.frame();
        int bytes = data.readableBytes();
        bytesOut += bytes;
        meters.sent(bytes);
        responseFraming.consume(data);
        ChannelFuture written = inbound.writeData(data, endStream, from.stream, credit);
        if (endStream) {
            outcome = GrpcCode.UNKNOWN; // a response without trailers has no status
            from.selection.succeeded();
            responseComplete(written);
        }
    }

    private void upstreamReset(Attempt from, Http2Error error) {
        if (from != attempt || done) {
            return;
        }
        if (error == Http2Error.REFUSED_STREAM && !responseStarted) {
            attemptNotSent(from, false, "backend " + from.endpoint() + " refused the stream");
            return;
        }
        boolean atDeadline = timer.hasDeadline() && timer.remainingNanos() < DEADLINE_SLACK_NANOS;
        GrpcCode status = atDeadline
                ? GrpcCode.DEADLINE_EXCEEDED // the backend gave up at the deadline it was sent
                : GrpcResponses.ofUpstreamReset(error);
        String reason = "backend " + from.endpoint() + " reset the stream (" + error + ")";
        if (!responseStarted && !atDeadline) {
            attemptFailed(from, true, retry.retries(status), status, reason);
            return;
        }
        if (!atDeadline) {
            from.selection.failed();
        }
        // Mid-message the reset is passed on; a backend's CANCEL becomes INTERNAL_ERROR there, as the
        // client did not cancel: its response was cut.
        fail(status, reason, error == Http2Error.CANCEL ? Http2Error.INTERNAL_ERROR : error);
    }

    private void upstreamRefused(Attempt from) {
        if (from != attempt || done) {
            return;
        }
        if (!responseStarted) {
            // the connection is going away, not necessarily the endpoint: a new connection to it may take the retry
            lastRefusedByGoAway = true;
            attemptNotSent(from, false, "backend " + from.endpoint() + " sent GOAWAY before the call started");
            return;
        }
        upstreamClosed(from);
    }

    private void upstreamClosed(Attempt from) {
        if (from != attempt || done) {
            return;
        }
        String reason = "connection to backend " + from.endpoint() + " closed before the call completed";
        if (!responseStarted) {
            attemptFailed(from, true, retry.retries(GrpcCode.UNAVAILABLE), GrpcCode.UNAVAILABLE, reason);
            return;
        }
        from.selection.failed();
        fail(GrpcCode.UNAVAILABLE, reason);
    }

    // ---- endings ----

    /** @param lastWrite the write of the response's last frame */
    private void responseComplete(ChannelFuture lastWrite) {
        responseEnded = true;
        complete();
        if (!requestEnded) {
            // The response is complete; ask the client to stop sending (RFC 9113, 8.1) and let
            // go of the upstream stream, which would otherwise stay half-open.
            resetInboundAfter(lastWrite);
            if (attempt != null && attempt.stream != null) {
                attempt.stream.reset(Http2Error.CANCEL);
            }
        }
    }

    /**
     * RST_STREAM(NO_ERROR) to the client once {@code lastWrite} is out: a reset goes out ahead of
     * frames still waiting for flow-control window, and would discard them.
     */
    private void resetInboundAfter(ChannelFuture lastWrite) {
        if (lastWrite.isDone()) {
            inbound.reset(Http2Error.NO_ERROR);
        } else {
            lastWrite.addListener(f -> inbound.reset(Http2Error.NO_ERROR));
        }
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }

    private void fail(GrpcCode status, String message) {
        fail(status, message, status == GrpcCode.DEADLINE_EXCEEDED ? Http2Error.CANCEL : Http2Error.INTERNAL_ERROR);
    }

    /**
     * Ends the call with a status of the proxy's own and cancels the upstream stream. Before the
     * response started the client gets a trailers-only response; after, trailers if the response
     * stopped on a message boundary, else RST_STREAM({@code resetIfMidMessage}), since trailers in
     * the middle of a message would corrupt it.
     */
    private void fail(GrpcCode status, String message, Http2Error resetIfMidMessage) {
        if (done) {
            return;
        }
        outcome = status;
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.reset(Http2Error.CANCEL); // frees the frames it still holds
        }
        if (!inbound.isOpen()) {
            return;
        }
        if (responseStarted && !responseFraming.atBoundary()) {
            inbound.reset(resetIfMidMessage);
            return;
        }
        Http2Headers headers = responseStarted
                ? GrpcResponses.trailers(status, message)
                : GrpcResponses.trailersOnly(status, message);
        endInboundAfterOurResponse(inbound.writeHeaders(headers, true));
    }

    private void respondHttpError(RequestCheck.Rejection rejection) {
        complete();
        inbound.writeHeaders(GrpcResponses.httpError(rejection.httpStatus(), rejection.grpcStatus(),
                rejection.message()), false);
        endInboundAfterOurResponse(inbound.writeData(
                ByteBufUtil.writeUtf8(inbound.alloc(), rejection.message() + "\n"), true));
    }

    private void endInboundAfterOurResponse(ChannelFuture lastWrite) {
        if (!requestEnded) {
            resetInboundAfter(lastWrite);
        }
    }

    /** Releases everything the call holds; idempotent. */
    private void complete() {
        if (done) {
            return;
        }
        done = true;
        record();
        timer.cancel();
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        retries.callEnded();
        if (attempt != null) {
            attempt.cancelPerTryTimer();
            attempt.selection.finish();
        }
        replay.release();
        if (unsent != null) {
            PendingData pending;
            while ((pending = unsent.poll()) != null) {
                pending.data().release();
                inbound.consume(pending.credit());
            }
        }
    }

    private void holdUnsent(PendingData pending) {
        if (unsent == null) {
            unsent = new ArrayDeque<>(4);
        }
        unsent.add(pending);
    }

    private boolean noUnsent() {
        return unsent == null || unsent.isEmpty();
    }

    /** Meters and, when enabled, the access log line of the ended call. */
    private void record() {
        int code = (outcome != null ? outcome : GrpcCode.UNKNOWN).value();
        long nanos = System.nanoTime() - startNanos;
        meters.callFinished(code, nanos);
        if (ACCESS.isInfoEnabled()) {
            ACCESS.info("balancer={} method={} endpoint={} grpc_status={} duration_ms={} bytes_in={} bytes_out={} attempts={}",
                    runtime.config().id(), requestHeaders == null ? "-" : requestHeaders.path(),
                    lastEndpoint == null ? "-" : lastEndpoint, code,
                    String.format(Locale.ROOT, "%.3f", nanos / 1e6), bytesIn, bytesOut, retries.attempts());
        }
    }

    /** Request data waiting for an upstream stream, with the flow-control credit it holds. */
    private record PendingData(ByteBuf data, int credit, boolean endStream) {}

    /** One try at a backend: the endpoint picked, its upstream stream once open. */
    final class Attempt implements StreamCallback, StreamHandler {
        final Selection selection;
        ProxyStream stream;
        /** Outlier detection must not hear about this attempt (or already did). */
        boolean countedForOutliers;
        ScheduledFuture<?> perTryTimer;

        Attempt(Selection selection) {
            this.selection = selection;
        }

        EndpointAddress endpoint() {
            return selection.endpoint().address();
        }

        void cancelPerTryTimer() {
            if (perTryTimer != null) {
                perTryTimer.cancel(false);
                perTryTimer = null;
            }
        }

        @Override
        public void opened(ProxyStream opened) {
            streamOpened(this, opened);
        }

        @Override
        public void failed(String reason) {
            attemptNotSent(this, true, reason);
        }

        @Override
        public boolean cancelled() {
            return done || this != attempt;
        }

        @Override
        public void headersRead(Http2Headers headers, boolean endStream) {
            responseHeaders(this, headers, endStream);
        }

        @Override
        public void dataRead(ByteBuf data, int credit, boolean endStream) {
            responseData(this, data, credit, endStream);
        }

        @Override
        public void resetRead(Http2Error error) {
            upstreamReset(this, error != null ? error : Http2Error.INTERNAL_ERROR);
        }

        @Override
        public void refusedByGoAway() {
            upstreamRefused(this);
        }

        @Override
        public void closed() {
            upstreamClosed(this);
        }
    }
}
