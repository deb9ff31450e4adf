package dev.grpcbalancer.dataplane.http2;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.logging.LogLevel;
import org.slf4j.Logger;

/** Builds a {@link ProxyConnection} with Netty's HTTP/2 switches (limits, protections, frame logging). */
public final class ProxyConnectionBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<ProxyConnection, ProxyConnectionBuilder> {

    /** Creates the connection once the builder has made its decoder and encoder. */
    public interface Factory<T extends ProxyConnection> {
        T create(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings);
    }

    private final boolean server;
    private Factory<?> factory;

    /**
     * The connection's remote flow control shares the window uniformly between streams
     * ({@link UniformStreamByteDistributor}): gRPC does not use HTTP/2 priorities, and Netty's
     * default weighted fair queue keeps a priority tree with several objects per stream.
     */
    private ProxyConnectionBuilder(boolean server) {
        this.server = server;
        Http2Connection connection = new DefaultHttp2Connection(server);
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                new UniformStreamByteDistributor(connection)));
        connection(connection);
    }

    public static ProxyConnectionBuilder forServer() {
        return new ProxyConnectionBuilder(true);
    }

    public static ProxyConnectionBuilder forClient() {
        return new ProxyConnectionBuilder(false);
    }

    /**
     * The role of the connection given to {@link #connection}; Netty's builder reads it for
     * role-dependent defaults (RST_STREAM rate limits apply to servers only) and would otherwise
     * take every connection handed to it for a server.
     */
    @Override
    protected boolean isServer() {
        return server;
    }

    @Override
    public ProxyConnectionBuilder initialSettings(Http2Settings settings) {
        return super.initialSettings(settings);
    }

    @Override
    public ProxyConnectionBuilder validateHeaders(boolean validateHeaders) {
        return super.validateHeaders(validateHeaders);
    }

    /** Logs every frame at TRACE on {@code logger}, if that level is on for it now. */
    public ProxyConnectionBuilder traceFramesTo(Logger logger) {
        return logger.isTraceEnabled() ? frameLogger(new Http2FrameLogger(LogLevel.TRACE, logger.getName())) : this;
    }

    @Override
    public ProxyConnectionBuilder gracefulShutdownTimeoutMillis(long millis) {
        return super.gracefulShutdownTimeoutMillis(millis);
    }

    @Override
    public ProxyConnectionBuilder decoderEnforceMaxRstFramesPerWindow(int maxRstFramesPerWindow, int secondsPerWindow) {
        return super.decoderEnforceMaxRstFramesPerWindow(maxRstFramesPerWindow, secondsPerWindow);
    }

    @Override
    public ProxyConnectionBuilder decoderEnforceMaxConsecutiveEmptyDataFrames(int maxConsecutiveEmptyFrames) {
        return super.decoderEnforceMaxConsecutiveEmptyDataFrames(maxConsecutiveEmptyFrames);
    }

    @Override
    public ProxyConnectionBuilder encoderEnforceMaxQueuedControlFrames(int maxQueuedControlFrames) {
        return super.encoderEnforceMaxQueuedControlFrames(maxQueuedControlFrames);
    }

    @SuppressWarnings("unchecked")
    public <T extends ProxyConnection> T build(Factory<T> factory) {
        this.factory = factory;
        return (T) super.build();
    }

    @Override
    protected ProxyConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings) {
        return factory.create(decoder, encoder, initialSettings);
    }
}
