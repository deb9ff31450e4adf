package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.upstream.StreamCallback;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC call: an inbound HTTP/2 stream relayed to one upstream stream, frame by frame.
 *
 * <p>Confined to the inbound stream's event loop; upstream streams are opened on the same loop.
 *
 * <p><b>Flow control.</b> Both stream channels have auto-read off. The inbound side is read only
 * while the upstream stream is writable, and the upstream side only while the inbound stream is
 * writable; a stream channel stops being writable when its peer's window is used up. HTTP/2
 * WINDOW_UPDATEs go out only as frames are read, so a slow reader on either side slows the writer
 * on the other, and the proxy holds at most about one window per direction.
 *
 * <p><b>Retries.</b> While nothing has come back from the backend, the request frames written to
 * it are kept (up to the replay limit). If the attempt provably never reached the backend (connect
 * failure, REFUSED_STREAM, a stream above a GOAWAY's last-stream-id, a stream that could not be
 * opened) the call is replayed once on another endpoint.
 *
 * <p><b>Reference counting.</b> Every data frame read is either written on (ownership passes) or
 * released here; replay copies are released when the call ends or can no longer be retried.
 */
final class ProxyCall {

    private static final int MAX_ATTEMPTS = 2;
    /** A backend reset this close to the call's deadline is taken as the deadline passing. */
    private static final long DEADLINE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Http2StreamChannel inbound;
    private final BalancerRuntime runtime;
    private final UpstreamPools pools;
    private final FlushBatch flushes;

    private Http2Headers requestHeaders;
    private boolean requestEnded;
    private long deadlineNanos;
    private ScheduledFuture<?> deadlineTimer;

    /** Data frames read while no upstream stream was ready; written when it is. */
    private final ArrayDeque<Http2DataFrame> unsent = new ArrayDeque<>();
    private final ReplayBuffer replay;

    private int attempts;
    private Attempt attempt;
    private EndpointAddress lastEndpoint;
    private String lastFailure;

    private final MessageBoundary responseFraming = new MessageBoundary();
    private boolean responseStarted;
    private boolean responseEnded;
    private boolean done;

    ProxyCall(Http2StreamChannel inbound, BalancerRuntime runtime, UpstreamPools pools, int replayLimitBytes,
            FlushBatch flushes) {
        this.inbound = inbound;
        this.flushes = flushes;
        this.runtime = runtime;
        this.pools = pools;
        this.replay = new ReplayBuffer(replayLimitBytes);
    }

    // ---- inbound events ----

    void start(Http2Headers headers, boolean endStream) {
        requestHeaders = headers;
        requestEnded = endStream;
        RequestCheck.Rejection rejection = RequestCheck.check(headers);
        if (rejection != null) {
            respondHttpError(rejection);
            return;
        }
        long timeoutNanos = GrpcTimeout.parseNanos(headers.get(GrpcResponses.GRPC_TIMEOUT));
        if (timeoutNanos != GrpcTimeout.NOT_SET) {
            deadlineNanos = System.nanoTime() + timeoutNanos;
            deadlineTimer = inbound.eventLoop().schedule(this::deadlinePassed, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        nextAttempt();
    }

    void requestData(Http2DataFrame frame) {
        if (frame.isEndStream()) {
            requestEnded = true;
        }
        if (done || responseEnded) {
            frame.release();
            return;
        }
        if (attempt == null || attempt.stream == null) {
            unsent.add(frame);
            return;
        }
        writeUpstream(frame);
    }

    /** HEADERS after the first on the request: the client's trailers. */
    void requestTrailers(Http2Headers trailers) {
        requestEnded = true;
        if (done || responseEnded) {
            return;
        }
        replay.release(); // trailers are not kept for a replay
        if (attempt != null && attempt.stream != null) {
            attempt.stream.write(new DefaultHttp2HeadersFrame(trailers, true));
        } else {
            // rare: keep it simple and end the request with an empty frame after the queued data
            unsent.add(new DefaultHttp2DataFrame(true));
        }
    }

    void clientReset(Http2Error error) {
        if (done) {
            return;
        }
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.writeAndFlush(new DefaultHttp2ResetFrame(error));
            attempt.stream.close();
        }
    }

    void inboundClosed() {
        if (done) {
            return;
        }
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.close(); // resets the upstream stream (CANCEL) if it is still open
        }
    }

    void inboundReadComplete() {
        if (attempt != null && attempt.stream != null) {
            flushes.flushLater(attempt.stream);
        }
        readInboundIfPossible();
    }

    void inboundWritabilityChanged() {
        if (inbound.isWritable() && attempt != null && attempt.stream != null) {
            attempt.stream.read();
        }
    }

    // ---- attempts ----

    private void nextAttempt() {
        Selection selection = runtime.loadBalancer().pick(lastEndpoint);
        if (selection == null) {
            fail(GrpcStatus.UNAVAILABLE, lastFailure != null ? lastFailure
                    : "no endpoints available for balancer " + runtime.config().id());
            return;
        }
        if (lastEndpoint != null && selection.endpoint().address().equals(lastEndpoint)) {
            selection.finish();
            fail(GrpcStatus.UNAVAILABLE, lastFailure);
            return;
        }
        attempts++;
        attempt = new Attempt(selection);
        lastEndpoint = selection.endpoint().address();
        pools.openStream(inbound.eventLoop(), lastEndpoint, new UpstreamStreamHandler(this, attempt), attempt);
    }

    private void streamOpened(Attempt opened, Http2StreamChannel stream) {
        if (opened != attempt || done) {
            stream.close();
            return;
        }
        opened.stream = stream;
        Http2Headers headers = attempts == 1 ? requestHeaders : new DefaultHttp2Headers().add(requestHeaders);
        if (deadlineNanos != 0) {
            headers.set(GrpcResponses.GRPC_TIMEOUT, GrpcTimeout.format(deadlineNanos - System.nanoTime()));
        }
        boolean headersEndStream = requestEnded && unsent.isEmpty() && replay.isEmpty();
        stream.write(new DefaultHttp2HeadersFrame(headers, headersEndStream)).addListener(f -> {
            if (!f.isSuccess() && opened == attempt && !responseStarted) {
                attemptFailed(opened, "could not start a stream on " + opened.endpoint() + ": " + f.cause());
            }
        });
        if (opened != attempt) {
            return; // the HEADERS write failed at once and the call moved on
        }
        replay.replayTo(stream, requestEnded && unsent.isEmpty());
        Http2DataFrame frame;
        while ((frame = unsent.poll()) != null) {
            writeUpstream(frame);
        }
        flushes.flushLater(stream);
        stream.read();
        readInboundIfPossible();
    }

    /** The attempt never reached the backend: go to another endpoint if we may, else fail. */
    private void attemptFailed(Attempt failed, String reason) {
        if (failed != attempt || done) {
            return;
        }
        failed.selection.finish();
        if (failed.stream != null) {
            failed.stream.close();
        }
        attempt = null;
        lastFailure = reason;
        if (attempts < MAX_ATTEMPTS && replay.canReplay() && !responseStarted) {
            nextAttempt();
        } else {
            fail(GrpcStatus.UNAVAILABLE, reason);
        }
    }

    private void writeUpstream(Http2DataFrame frame) {
        replay.record(frame.content());
        attempt.stream.write(new DefaultHttp2DataFrame(frame.content(), frame.isEndStream()));
    }

    private void readInboundIfPossible() {
        if (done || responseEnded) {
            inbound.read(); // discard what the client still sends
        } else if (!requestEnded && attempt != null && attempt.stream != null && attempt.stream.isWritable()) {
            inbound.read();
        }
    }

    // ---- upstream events (from UpstreamStreamHandler) ----

    void responseHeaders(Attempt from, Http2Headers headers, boolean endStream) {
        if (from != attempt || done) {
            return;
        }
        responseStarted = true;
        replay.release();
        inbound.write(new DefaultHttp2HeadersFrame(headers, endStream));
        if (endStream) {
            responseComplete();
        }
    }

    void responseData(Attempt from, Http2DataFrame frame) {
        if (from != attempt || done) {
            frame.release();
            return;
        }
        responseFraming.consume(frame.content());
        inbound.write(new DefaultHttp2DataFrame(frame.content(), frame.isEndStream()));
        if (frame.isEndStream()) {
            responseComplete();
        }
    }

    void upstreamReadComplete(Attempt from) {
        if (from != attempt) {
            return;
        }
        flushes.flushLater(inbound);
        if (!done && inbound.isWritable() && attempt.stream != null) {
            attempt.stream.read();
        }
    }

    void upstreamWritabilityChanged(Attempt from) {
        if (from == attempt && attempt.stream != null && attempt.stream.isWritable()) {
            readInboundIfPossible();
        }
    }

    void upstreamReset(Attempt from, Http2Error error) {
        if (from != attempt || done) {
            return;
        }
        if (error == Http2Error.REFUSED_STREAM && !responseStarted) {
            attemptFailed(from, "backend " + from.endpoint() + " refused the stream");
            return;
        }
        GrpcStatus status = deadlineNanos != 0 && System.nanoTime() - deadlineNanos > -DEADLINE_SLACK_NANOS
                ? GrpcStatus.DEADLINE_EXCEEDED // the backend gave up at the deadline it was sent
                : GrpcStatus.ofUpstreamReset(error);
        // Mid-message the reset is passed on; a backend's CANCEL becomes INTERNAL_ERROR there, as the
        // client did not cancel: its response was cut.
        fail(status, "backend " + from.endpoint() + " reset the stream (" + error + ")",
                error == Http2Error.CANCEL ? Http2Error.INTERNAL_ERROR : error);
    }

    void upstreamClosed(Attempt from) {
        if (from != attempt || done) {
            return;
        }
        if (from.refusedByGoAway && !responseStarted) {
            attemptFailed(from, "backend " + from.endpoint() + " sent GOAWAY before the call started");
            return;
        }
        fail(GrpcStatus.UNAVAILABLE, "connection to backend " + from.endpoint() + " closed before the call completed");
    }

    // ---- endings ----

    private void responseComplete() {
        responseEnded = true;
        complete();
        flushes.flushLater(inbound);
        if (!requestEnded) {
            // The response is complete; ask the client to stop sending (RFC 9113, 8.1) and let
            // go of the upstream stream, which would otherwise stay half-open.
            inbound.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            if (attempt.stream != null) {
                attempt.stream.close();
            }
        }
    }

    private void deadlinePassed() {
        deadlineTimer = null;
        if (done) {
            return;
        }
        fail(GrpcStatus.DEADLINE_EXCEEDED, "deadline passed in grpc-balancer before the backend answered");
    }

    private void fail(GrpcStatus status, String message) {
        fail(status, message, status == GrpcStatus.DEADLINE_EXCEEDED ? Http2Error.CANCEL : Http2Error.INTERNAL_ERROR);
    }

    /**
     * Ends the call with a status of the proxy's own and cancels the upstream stream. Before the
     * response started the client gets a trailers-only response; after, trailers if the response
     * stopped on a message boundary, else RST_STREAM({@code resetIfMidMessage}), since trailers in
     * the middle of a message would corrupt it.
     */
    private void fail(GrpcStatus status, String message, Http2Error resetIfMidMessage) {
        if (done) {
            return;
        }
        complete();
        if (attempt != null && attempt.stream != null) {
            attempt.stream.close(); // RST_STREAM(CANCEL) if still open; frees frames it still holds
        }
        if (!inbound.isActive()) {
            return;
        }
        if (responseStarted && !responseFraming.atBoundary()) {
            inbound.writeAndFlush(new DefaultHttp2ResetFrame(resetIfMidMessage));
            return;
        }
        Http2Headers headers = responseStarted
                ? GrpcResponses.trailers(status, message)
                : GrpcResponses.trailersOnly(status, message);
        inbound.write(new DefaultHttp2HeadersFrame(headers, true));
        endInboundAfterOurResponse();
    }

    private void respondHttpError(RequestCheck.Rejection rejection) {
        complete();
        inbound.write(new DefaultHttp2HeadersFrame(GrpcResponses.httpError(rejection.httpStatus(),
                rejection.grpcStatus(), rejection.message()), false));
        inbound.write(new DefaultHttp2DataFrame(ByteBufUtil.writeUtf8(inbound.alloc(), rejection.message() + "\n"), true));
        endInboundAfterOurResponse();
    }

    private void endInboundAfterOurResponse() {
        if (requestEnded) {
            inbound.flush();
        } else {
            inbound.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    /** Releases everything the call holds; idempotent. */
    private void complete() {
        if (done) {
            return;
        }
        done = true;
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
        if (attempt != null) {
            attempt.selection.finish();
        }
        replay.release();
        Http2DataFrame frame;
        while ((frame = unsent.poll()) != null) {
            frame.release();
        }
        // With auto-read off a stream channel closes only once its queued frames are read: drain
        // them (requestData releases them now), or the channel and its buffers would stay forever.
        inbound.read();
    }

    /** One try at a backend: the endpoint picked, its upstream stream once open. */
    final class Attempt implements StreamCallback {
        final Selection selection;
        Http2StreamChannel stream;
        boolean refusedByGoAway;

        Attempt(Selection selection) {
            this.selection = selection;
        }

        EndpointAddress endpoint() {
            return selection.endpoint().address();
        }

        @Override
        public void opened(Http2StreamChannel opened) {
            streamOpened(this, opened);
        }

        @Override
        public void failed(String reason) {
            attemptFailed(this, reason);
        }

        @Override
        public boolean cancelled() {
            return done || this != attempt;
        }
    }
}
