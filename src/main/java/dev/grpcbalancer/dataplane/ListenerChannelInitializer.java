package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.CallEngine;
import dev.grpcbalancer.dataplane.http2.ClientPingPolicy;
import dev.grpcbalancer.dataplane.http2.IdleTimeoutHandler;
import dev.grpcbalancer.dataplane.http2.MaxConnectionAgeHandler;
import dev.grpcbalancer.dataplane.http2.ProxyConnectionBuilder;
import dev.grpcbalancer.dataplane.http2.WriteCoalescer;
import dev.grpcbalancer.dataplane.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pipeline of a client connection: h2c with prior knowledge, or TLS with ALPN h2 when the
 * balancer's listener has certificates (read from the balancer's runtime when the connection is
 * accepted, so a rotated certificate reaches new connections only), and the protections Netty
 * offers (concurrent streams, header list size, rapid reset, empty-frame and control-frame floods;
 * CONTINUATION floods are bounded by the header list size), all in one {@link ClientConnection},
 * which a TLS connection gets once its handshake succeeded; then the connection's lifecycle: the
 * PING policy, the maximum age and the idle timeout.
 */
final class ListenerChannelInitializer extends ChannelInitializer<Channel> {

    /** Every HTTP/2 frame of client connections is logged at TRACE on this logger. */
    private static final Logger FRAME_LOG = LoggerFactory.getLogger("dev.grpcbalancer.frames.client");

    private final Listener listener;
    private final CallEngine calls;
    private final DataPlaneSettings settings;

    ListenerChannelInitializer(Listener listener, CallEngine calls, DataPlaneSettings settings) {
        this.listener = listener;
        this.calls = calls;
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel ch) {
        listener.connectionOpened(ch);
        ServerTls tls = listener.runtime().serverTls();
        if (tls != null) {
            // the handshake puts the connection right after itself, so ahead of the lifecycle
            // handlers added to the end of the pipeline here, as they must be
            ch.pipeline().addLast(tls.handlers(() -> {
                WriteCoalescer coalescer = new WriteCoalescer();
                ClientConnection connection = newConnection(coalescer);
                addLifecycle(ch, connection);
                return List.of(coalescer, connection);
            }));
        } else {
            WriteCoalescer coalescer = new WriteCoalescer();
            ClientConnection connection = newConnection(coalescer);
            ch.pipeline().addLast(coalescer, connection);
            addLifecycle(ch, connection);
        }
    }

    /** @param coalescer the output buffer right below the connection in the pipeline */
    private ClientConnection newConnection(WriteCoalescer coalescer) {
        ProxyConnectionBuilder builder = ProxyConnectionBuilder.forServer()
                .coalescer(coalescer)
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxConcurrentStreams())
                        .maxHeaderListSize(settings.maxHeaderListSize())
                        .initialWindowSize(settings.streamWindowBytes()))
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(settings.drainTimeout().toMillis())
                .decoderEnforceMaxRstFramesPerWindow(settings.maxResetsPerWindow(), (int) settings.resetWindow().toSeconds())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .encoderEnforceMaxQueuedControlFrames(10_000)
                .traceFramesTo(FRAME_LOG);
        return builder.build((decoder, encoder, initialSettings) -> new ClientConnection(
                decoder, encoder, initialSettings, settings.connectionWindowBytes(), listener, calls));
    }

    /** The PING policy, maximum age and idle timeout of {@code connection}, after it in the pipeline. */
    private void addLifecycle(Channel ch, ClientConnection connection) {
        ClientConnectionSettings lifecycle = settings.clientConnections()
                .forBalancer(listener.runtime().config().listener());
        connection.addPingListener(new ClientPingPolicy(connection, lifecycle.permitKeepaliveTime().toNanos(),
                lifecycle.permitKeepaliveWithoutCalls(), calls.ticker()));
        if (!lifecycle.maxConnectionAge().isZero()) {
            ch.pipeline().addLast(new MaxConnectionAgeHandler(connection, lifecycle.maxConnectionAge().toNanos(),
                    lifecycle.maxConnectionAgeGrace().toNanos(), calls.ticker()));
        }
        if (!lifecycle.idleTimeout().isZero()) {
            ch.pipeline().addLast(new IdleTimeoutHandler(connection, lifecycle.idleTimeout().toNanos(), calls.ticker()));
        }
    }
}
