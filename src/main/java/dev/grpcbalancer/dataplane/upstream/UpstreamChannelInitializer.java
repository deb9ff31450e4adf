package dev.grpcbalancer.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;

/** Pipeline of a connection to a backend: HTTP/2 client codec, stream multiplexing, pool hooks. */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {

    private final UpstreamConnection connection;
    private final UpstreamSettings settings;

    UpstreamChannelInitializer(UpstreamConnection connection, UpstreamSettings settings) {
        this.connection = connection;
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel ch) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .initialWindowSize(settings.streamWindowBytes())
                        .maxHeaderListSize(settings.maxHeaderListSize()))
                .validateHeaders(true)
                .build();
        ch.pipeline().addLast(codec);
        ch.pipeline().addLast(new Http2MultiplexHandler(new RejectPushedStreams()));
        ch.pipeline().addLast(new Http2ConnectionWindow(settings.connectionWindowBytes()));
        ch.pipeline().addLast(connection);
    }

    /** Push is disabled in our SETTINGS; a backend that pushes anyway gets its stream closed. */
    private static final class RejectPushedStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }
}
