package dev.grpcbalancer.dataplane;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

/** Handler of an upstream stream channel: hands its frames and events to the call's attempt. */
final class UpstreamStreamHandler extends ChannelInboundHandlerAdapter {

    private final ProxyCall call;
    private final ProxyCall.Attempt attempt;

    UpstreamStreamHandler(ProxyCall call, ProxyCall.Attempt attempt) {
        this.call = call;
        this.attempt = attempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            call.responseData(attempt, data);
        } else if (msg instanceof Http2HeadersFrame headers) {
            call.responseHeaders(attempt, headers.headers(), headers.isEndStream());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        call.upstreamReadComplete(attempt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        call.upstreamWritabilityChanged(attempt);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // RST_STREAM and GOAWAY are not flow-controlled: the multiplexer delivers them as user events.
        if (evt instanceof Http2ResetFrame reset) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            call.upstreamReset(attempt, error != null ? error : Http2Error.INTERNAL_ERROR);
        } else if (evt instanceof Http2GoAwayFrame goAway) {
            int streamId = ((Http2StreamChannel) ctx.channel()).stream().id();
            if (streamId > goAway.lastStreamId()) {
                attempt.refusedByGoAway = true;
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        call.upstreamClosed(attempt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
