package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.KeepaliveHandler;
import dev.grpcbalancer.dataplane.http2.ProxyConnectionBuilder;
import dev.grpcbalancer.dataplane.http2.WriteCoalescer;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.snapshot.Keepalive;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipeline of a connection to a backend: TLS when the balancer asks for it ({@link UpstreamTls}:
 * a failed handshake becomes the reason the connect failed), then one HTTP/2 client connection
 * handler, owned by the pool, and its keepalive.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {

    /** Every HTTP/2 frame of backend connections is logged at TRACE on this logger. */
    private static final Logger FRAME_LOG = LoggerFactory.getLogger("dev.grpcbalancer.frames.backend");

    private final UpstreamConnection connection;
    private final UpstreamSettings settings;
    private final UpstreamTls tls;
    private final int port;
    private final Keepalive keepalive;
    private final LongSupplier ticker;

    UpstreamChannelInitializer(UpstreamConnection connection, UpstreamSettings settings, UpstreamTls tls, int port,
            Keepalive keepalive, LongSupplier ticker) {
        this.connection = connection;
        this.settings = settings;
        this.tls = tls;
        this.port = port;
        this.keepalive = keepalive;
        this.ticker = ticker;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (tls.enabled()) {
            tls.install(ch.pipeline(), port, connection::setupFailed);
            if (!ch.isOpen()) {
                return;
            }
        }
        WriteCoalescer coalescer = new WriteCoalescer();
        ch.pipeline().addLast(coalescer);
        ProxyConnectionBuilder builder = ProxyConnectionBuilder.forClient()
                .coalescer(coalescer)
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
