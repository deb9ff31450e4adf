package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.metrics.CallMeters;
import dev.grpcbalancer.snapshot.GrpcCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What a call sends its client: the backend's response relayed frame by frame, or an answer of
 * the proxy's own. Knows whether the response has started, where gRPC's message framing stands
 * (so a failure ends it with clean trailers, or with RST_STREAM when a message was cut), and how
 * many bytes went out. Confined to the call's event loop.
 */
final class ClientResponse {

    private final ProxyStream inbound;
    private final CallMeters meters;
    private final HeaderRewrite rewrite;
    /** Where gRPC's message framing stands in what was relayed ({@link MessageBoundary}). */
    private long framing = MessageBoundary.START;
    private boolean started;
    private long bytesOut;

    /** @param rewrite what the route's filter does to the response headers */
    ClientResponse(ProxyStream inbound, CallMeters meters, HeaderRewrite rewrite) {
        this.inbound = inbound;
        this.meters = meters;
        this.rewrite = rewrite;
    }

    boolean started() {
        return started;
    }

    long bytesOut() {
        return bytesOut;
    }

    /**
     * Relays the backend's HEADERS (response headers, trailers, or a trailers-only answer); the
     * route's response rewrite changes the first of them (a trailers-only answer too), never trailers.
     */
    ChannelFuture headers(Http2Headers headers, boolean endStream) {
        if (!started) {
            rewrite.apply(headers);
        }
        started = true;
        return inbound.writeHeaders(headers, endStream);
    }

    /** Relays response data; its credit goes back to {@code source} once it is on the wire. */
    ChannelFuture data(ByteBuf data, boolean endStream, ProxyStream source, int credit) {
        int bytes = data.readableBytes();
        bytesOut += bytes;
        meters.sent(bytes);
        framing = MessageBoundary.advance(framing, data);
        return inbound.writeData(data, endStream, source, credit);
    }

    /**
     * Ends the response with a status of the proxy's own: trailers-only before the response
     * started; after, trailers if the response stopped on a message boundary, else
     * RST_STREAM({@code resetIfMidMessage}), since trailers in the middle of a message would
     * corrupt it.
     *
     * @param requestEnded whether the client has ended its request (else it is asked to stop)
     */
    void fail(GrpcCode status, String message, Http2Error resetIfMidMessage, boolean requestEnded) {
        if (!inbound.isOpen()) {
            return;
        }
        if (started && !MessageBoundary.atBoundary(framing)) {
            inbound.reset(resetIfMidMessage);
            return;
        }
        Http2Headers headers = started
                ? GrpcResponses.trailers(status, message)
                : GrpcResponses.trailersOnly(status, message);
        started = true;
        endAfter(inbound.writeHeaders(headers, true), requestEnded);
    }

    /** Answers a request that is not gRPC with the HTTP error gRPC specifies and a text body. */
    void httpError(RequestCheck.Rejection rejection, boolean requestEnded) {
        started = true;
        inbound.writeHeaders(GrpcResponses.httpError(rejection.httpStatus(), rejection.grpcStatus(),
                rejection.message()), false);
        endAfter(inbound.writeData(ByteBufUtil.writeUtf8(inbound.alloc(), rejection.message() + "\n"), true),
                requestEnded);
    }

    /**
     * The response is complete with {@code lastWrite}; if the request is not, the client is asked
     * to stop sending (RST_STREAM NO_ERROR, RFC 9113 8.1) once that write is out: a reset goes out
     * ahead of frames still waiting for flow-control window, and would discard them.
     */
    void endAfter(ChannelFuture lastWrite, boolean requestEnded) {
        if (requestEnded) {
            return;
        }
        if (lastWrite.isDone()) {
            inbound.reset(Http2Error.NO_ERROR);
        } else {
            lastWrite.addListener(f -> inbound.reset(Http2Error.NO_ERROR));
        }
    }
}
