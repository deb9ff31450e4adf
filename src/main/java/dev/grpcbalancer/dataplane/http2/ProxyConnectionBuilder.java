package dev.grpcbalancer.dataplane.http2;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2InboundFrameLogger;
import io.netty.handler.codec.http2.Http2OutboundFrameLogger;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.logging.LogLevel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Builds a {@link ProxyConnection}: Netty's HTTP/2 connection handler with the proxy's
 * {@link FrameWriter}, and Netty's switches (limits, protections, frame logging).
 *
 * <p>Netty's builder makes its own frame writer when it makes the codec, so this one makes the
 * codec (frame reader and writer, connection encoder and decoder) and hands it to Netty's builder,
 * which adds the decoder's protections (consecutive empty DATA frames, RST_STREAMs received) as it
 * does for its own; the encoder's, which it adds only around its own, are {@link EncoderLimits}.
 */
public final class ProxyConnectionBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<ProxyConnection, ProxyConnectionBuilder> {

    /** RST_STREAMs a server connection may send for errors per window (Netty's defaults). */
    private static final int MAX_SENT_RESETS = 200;
    private static final long SENT_RESETS_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Creates the connection once the builder has made its decoder and encoder. */
    public interface Factory<T extends ProxyConnection> {
        T create(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings);
    }

    private final boolean server;
    private final Http2Connection connection;
    private boolean validateHeaders = true;
    private Http2FrameLogger frameLogger;
    private int maxQueuedControlFrames = Http2CodecUtil.DEFAULT_MAX_QUEUED_CONTROL_FRAMES;
    private WriteCoalescer coalescer;
    private Factory<?> factory;

    /**
     * The connection's remote flow control shares the window uniformly between streams
     * ({@link UniformStreamByteDistributor}): gRPC does not use HTTP/2 priorities, and Netty's
     * default weighted fair queue keeps a priority tree with several objects per stream.
     */
    private ProxyConnectionBuilder(boolean server) {
        this.server = server;
        this.connection = new DefaultHttp2Connection(server);
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                new UniformStreamByteDistributor(connection)));
    }

    public static ProxyConnectionBuilder forServer() {
        return new ProxyConnectionBuilder(true);
    }

    public static ProxyConnectionBuilder forClient() {
        return new ProxyConnectionBuilder(false);
    }

    /**
     * The role of the connection; Netty's builder reads it for role-dependent defaults (RST_STREAM
     * rate limits apply to servers only) and would otherwise take every connection for a server.
     */
    @Override
    protected boolean isServer() {
        return server;
    }

    @Override
    public ProxyConnectionBuilder initialSettings(Http2Settings settings) {
        return super.initialSettings(settings);
    }

    /** Whether received headers are checked (names, pseudo-headers, connection-specific ones); on by default. */
    @Override
    public ProxyConnectionBuilder validateHeaders(boolean validateHeaders) {
        this.validateHeaders = validateHeaders;
        return this;
    }

    /** Logs every frame at TRACE on {@code logger}, if that level is on for it now. */
    public ProxyConnectionBuilder traceFramesTo(Logger logger) {
        frameLogger = logger.isTraceEnabled() ? new Http2FrameLogger(LogLevel.TRACE, logger.getName()) : null;
        return this;
    }

    /**
     * The {@link WriteCoalescer} that sits right below the connection in its pipeline: frames are
     * written into it in place. Without one, each frame goes down the pipeline as one buffer.
     */
    public ProxyConnectionBuilder coalescer(WriteCoalescer coalescer) {
        this.coalescer = coalescer;
        return this;
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

    /** Control frames answering the peer that may wait unwritten (0: no limit); Netty's 10,000 by default. */
    @Override
    public ProxyConnectionBuilder encoderEnforceMaxQueuedControlFrames(int maxQueuedControlFrames) {
        this.maxQueuedControlFrames = maxQueuedControlFrames;
        return this;
    }

    @SuppressWarnings("unchecked")
    public <T extends ProxyConnection> T build(Factory<T> factory) {
        this.factory = factory;
        Long maxHeaderListSize = initialSettings().maxHeaderListSize();
        Http2FrameReader reader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(validateHeaders,
                maxHeaderListSize == null ? Http2CodecUtil.DEFAULT_HEADER_LIST_SIZE : maxHeaderListSize, -1),
                decoderEnforceMaxSmallContinuationFrames());
        Http2FrameWriter writer = new FrameWriter(coalescer);
        if (frameLogger != null) {
            reader = new Http2InboundFrameLogger(reader, frameLogger);
            writer = new Http2OutboundFrameLogger(writer, frameLogger);
        }
        Http2ConnectionEncoder encoder = new EncoderLimits(new DefaultHttp2ConnectionEncoder(connection, writer),
                maxQueuedControlFrames, server ? MAX_SENT_RESETS : 0, SENT_RESETS_WINDOW_NANOS, System::nanoTime);
        Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader,
                promisedRequestVerifier(), isAutoAckSettingsFrame(), isAutoAckPingFrame(), validateHeaders,
                isValidateRequiredPseudoHeaders());
        codec(decoder, encoder);
        return (T) super.build();
    }

    @Override
    protected ProxyConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings) {
        return factory.create(decoder, encoder, initialSettings);
    }
}
