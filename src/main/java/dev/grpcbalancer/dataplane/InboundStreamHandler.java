package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handler of an inbound stream channel (one per call): reads the balancer once when the call's
 * HEADERS arrive and hands every frame to the {@link ProxyCall}.
 */
final class InboundStreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(InboundStreamHandler.class);

    private final Listener listener;
    private final UpstreamPools pools;
    private final FlushBatch flushes;
    private ProxyCall call;

    InboundStreamHandler(Listener listener, UpstreamPools pools, FlushBatch flushes) {
        this.listener = listener;
        this.pools = pools;
        this.flushes = flushes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            if (call == null) {
                data.release(); // DATA before HEADERS: the codec rejects this; be safe anyway
            } else {
                call.requestData(data);
            }
        } else if (msg instanceof Http2HeadersFrame headers) {
            if (call == null) {
                call = new ProxyCall((Http2StreamChannel) ctx.channel(), listener.runtime(), pools, flushes);
                call.start(headers.headers(), headers.isEndStream());
            } else {
                call.requestTrailers(headers.headers());
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** RST_STREAM is not flow-controlled: the multiplexer delivers it as a user event, not a read. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset && call != null) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            call.clientReset(error != null ? error : Http2Error.CANCEL);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (call != null) {
            call.inboundReadComplete();
        } else {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (call != null) {
            call.inboundWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (call != null) {
            call.inboundClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("stream error on {}: {}", listener, cause.toString());
        ctx.close();
    }
}
