package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.KeepaliveHandler;
import dev.grpcbalancer.dataplane.http2.ProxyConnectionBuilder;
import dev.grpcbalancer.snapshot.Keepalive;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipeline of a connection to a backend: one HTTP/2 client connection handler, owned by the pool,
 * and its keepalive.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {

    /** Every HTTP/2 frame of backend connections is logged at TRACE on this logger. */
    private static final Logger FRAME_LOG = LoggerFactory.getLogger("dev.grpcbalancer.frames.backend");

    private final UpstreamConnection connection;
    private final UpstreamSettings settings;
    private final Keepalive keepalive;
    private final LongSupplier ticker;

    UpstreamChannelInitializer(UpstreamConnection connection, UpstreamSettings settings, Keepalive keepalive,
            LongSupplier ticker) {
        this.connection = connection;
        this.settings = settings;
        this.keepalive = keepalive;
        this.ticker = ticker;
    }

    @Override
    protected void initChannel(Channel ch) {
        ProxyConnectionBuilder builder = ProxyConnectionBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .initialWindowSize(settings.streamWindowBytes())
                        .maxHeaderListSize(settings.maxHeaderListSize()))
                .validateHeaders(true)
                .traceFramesTo(FRAME_LOG);
        UpstreamConnection.Handler handler = builder.build((decoder, encoder, initialSettings) ->
                connection.newHandler(decoder, encoder, initialSettings, settings.connectionWindowBytes()));
        ch.pipeline().addLast(handler);
        if (keepalive.enabled()) {
            ch.pipeline().addLast(new KeepaliveHandler(handler, keepalive.interval().toNanos(),
                    keepalive.timeout().toNanos(), connection.keepaliveEvents(), ticker));
        }
    }
}
