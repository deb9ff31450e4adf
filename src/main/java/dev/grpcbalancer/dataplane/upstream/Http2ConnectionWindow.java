package dev.grpcbalancer.dataplane.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;

/**
 * Raises an HTTP/2 connection's receive window once it is up (SETTINGS carry only the per-stream
 * window; the connection window starts at 65,535 bytes), then leaves the pipeline. Place it after
 * the {@code Http2FrameCodec}.
 */
public final class Http2ConnectionWindow extends ChannelInboundHandlerAdapter {

    private final int windowBytes;

    public Http2ConnectionWindow(int windowBytes) {
        this.windowBytes = windowBytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int increment = windowBytes - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
        if (increment > 0) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(increment));
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
