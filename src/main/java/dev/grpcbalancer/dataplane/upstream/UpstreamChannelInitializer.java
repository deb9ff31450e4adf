package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyConnectionBuilder;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipeline of a connection to a backend: TLS when the balancer asks for it ({@link UpstreamTls}:
 * a failed handshake becomes the reason the connect failed), then one HTTP/2 client connection
 * handler, owned by the pool.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {

    /** Every HTTP/2 frame of backend connections is logged at TRACE on this logger. */
    private static final Logger FRAME_LOG = LoggerFactory.getLogger("dev.grpcbalancer.frames.backend");

    private final UpstreamConnection connection;
    private final UpstreamSettings settings;
    private final UpstreamTls tls;
    private final int port;

    UpstreamChannelInitializer(UpstreamConnection connection, UpstreamSettings settings, UpstreamTls tls, int port) {
        this.connection = connection;
        this.settings = settings;
        this.tls = tls;
        this.port = port;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (tls.enabled()) {
            tls.install(ch.pipeline(), port, connection::setupFailed);
            if (!ch.isOpen()) {
                return;
            }
        }
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
    }
}
