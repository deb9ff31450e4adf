package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.upstream.Http2ConnectionWindow;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipeline of a client connection: h2c with prior knowledge, the protections Netty offers
 * (concurrent streams, header list size, rapid reset, empty-frame and control-frame floods;
 * CONTINUATION floods are bounded by the header list size), and one child channel per call.
 */
final class ListenerChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(ListenerChannelInitializer.class);
    /** Every HTTP/2 frame of client connections is logged at TRACE on this logger. */
    private static final Logger FRAME_LOG = LoggerFactory.getLogger("dev.grpcbalancer.frames.client");

    private final Listener listener;
    private final UpstreamPools pools;
    private final DataPlaneSettings settings;
    private final Map<EventExecutor, FlushBatch> flushes;

    ListenerChannelInitializer(Listener listener, UpstreamPools pools, DataPlaneSettings settings,
            Map<EventExecutor, FlushBatch> flushes) {
        this.listener = listener;
        this.pools = pools;
        this.settings = settings;
        this.flushes = flushes;
    }

    @Override
    protected void initChannel(Channel ch) {
        listener.connectionOpened(ch);
        Http2FrameCodecBuilder codec = Http2FrameCodecBuilder.forServer();
        if (FRAME_LOG.isTraceEnabled()) {
            codec.frameLogger(new Http2FrameLogger(LogLevel.TRACE, FRAME_LOG.getName()));
        }
        ch.pipeline().addLast(codec
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxConcurrentStreams())
                        .maxHeaderListSize(settings.maxHeaderListSize())
                        .initialWindowSize(settings.streamWindowBytes()))
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(settings.drainTimeout().toMillis())
                .decoderEnforceMaxRstFramesPerWindow(settings.maxResetsPerWindow(), (int) settings.resetWindow().toSeconds())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .encoderEnforceMaxQueuedControlFrames(10_000)
                .build());
        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new InboundStreamHandler(listener, pools, flushes.get(stream.eventLoop())));
            }
        }));
        ch.pipeline().addLast(new Http2ConnectionWindow(settings.connectionWindowBytes()));
        ch.pipeline().addLast(new ConnectionTail());
    }

    /** End of a client connection's pipeline: swallows connection-level frames, logs I/O errors. */
    private final class ConnectionTail extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // SETTINGS, PING, GOAWAY: the codec acted on them already
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof Http2Exception) {
                // The codec has answered it already (GOAWAY with the right error code, or RST_STREAM);
                // closing here would race it with a graceful NO_ERROR GOAWAY.
                log.debug("client {} on {}: {}", ctx.channel().remoteAddress(), listener, cause.getMessage());
                return;
            }
            log.debug("client connection {} on {} failed: {}", ctx.channel().remoteAddress(), listener, cause.toString());
            ctx.close();
        }
    }
}
