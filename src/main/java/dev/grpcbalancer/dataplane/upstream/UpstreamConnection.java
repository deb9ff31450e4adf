package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyConnection;
import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection to a backend, confined to its event loop. Knows how many streams it may
 * still open: the backend's SETTINGS_MAX_CONCURRENT_STREAMS and our own cap minus the streams open
 * on it, and none before the backend's SETTINGS, after a GOAWAY, while draining, or near the end of
 * the stream ids. A connection that takes no new streams closes when its last stream ends.
 */
final class UpstreamConnection {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);
    /** Stream ids are 31 bits and odd on a client: stop well before they run out. */
    private static final int LAST_USABLE_STREAM_ID = Integer.MAX_VALUE - 1_000_000;

    private final EndpointConnections owner;
    private final int streamCap;
    private Handler handler;
    private boolean ready;
    private boolean goAway;
    private boolean draining;
    private ScheduledFuture<?> drainDeadline;
    /** Why the connection could not be set up (e.g. its TLS handshake failed), or null. */
    private String setupFailure;

    /**
     * @param streamCap most streams this connection carries at once, whatever the backend allows:
     *     every stream may pin up to one stream window of the shared connection window (credit
     *     returns only as the proxy passes data on, which it does only as fast as the client
     *     reads), so more streams than connection window / stream window would let a few stalled
     *     readers block every call on the connection
     */
    UpstreamConnection(EndpointConnections owner, int streamCap) {
        this.owner = owner;
        this.streamCap = streamCap;
    }

    Handler newHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
            int connectionWindowBytes) {
        handler = new Handler(decoder, encoder, initialSettings, connectionWindowBytes);
        return handler;
    }

    /** Whether one more stream may be opened now. */
    boolean hasCapacity() {
        if (!ready || goAway || draining || !handler.channel().isActive()) {
            return false;
        }
        Http2Connection.Endpoint<Http2LocalFlowController> local = handler.connection().local();
        return local.numActiveStreams() < streamCap && local.canOpenStream()
                && local.lastStreamCreated() < LAST_USABLE_STREAM_ID;
    }

    boolean isReady() {
        return ready;
    }

    /** The connection could not be set up: {@code reason} is what a call that waited for it learns. */
    void setupFailed(String reason) {
        if (setupFailure == null) {
            setupFailure = reason;
        }
    }

    String setupFailure() {
        return setupFailure;
    }

    private int openStreams() {
        return handler.connection().local().numActiveStreams();
    }

    /**
     * Opens a stream (the caller checked {@link #hasCapacity()}). Its taker writes its HEADERS at
     * once, before any later stream's, or resets it.
     */
    ProxyStream open() throws Http2Exception {
        Http2Connection.Endpoint<Http2LocalFlowController> local = handler.connection().local();
        return handler.attachNew(local.createStream(local.incrementAndGetNextStreamId(), false));
    }

    /** No new streams; close once the open ones end, or at {@code drainTimeoutNanos} at the latest. */
    void drain(long drainTimeoutNanos) {
        if (draining) {
            return;
        }
        draining = true;
        Channel channel = channel();
        if (channel == null) {
            return;
        }
        if (openStreams() == 0) {
            channel.close();
        } else if (drainTimeoutNanos > 0) {
            drainDeadline = channel.eventLoop().schedule(() -> {
                if (channel.isActive()) {
                    log.info("closing connection to {} with {} streams still open: drain timeout passed",
                            owner.address(), openStreams());
                    channel.close();
                }
            }, drainTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The endpoint is configured again: take new streams and forget the drain deadline. */
    void revive() {
        Channel channel = channel();
        if (draining && channel != null && channel.isActive()) {
            draining = false;
            if (drainDeadline != null) {
                drainDeadline.cancel(false);
                drainDeadline = null;
            }
        }
    }

    /** The channel, once its pipeline is set up; null before. */
    Channel channel() {
        return handler == null ? null : handler.channel();
    }

    /** The connection handler: routes stream frames to calls, tells the pool about capacity. */
    final class Handler extends ProxyConnection {

        private Handler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
                int connectionWindowBytes) {
            super(decoder, encoder, initialSettings, connectionWindowBytes);
        }

        /** Null until the handler is in the pipeline. */
        private Channel channel() {
            return context() == null ? null : context().channel();
        }

        private ProxyStream attachNew(Http2Stream stream) {
            return attach(stream);
        }

        @Override
        protected void newStreamHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
            // a backend cannot open streams (push is off); the decoder refuses them before this
        }

        @Override
        protected void settingsRead(Http2Settings settings) {
            if (!ready) {
                ready = true;
                owner.connectionReady(UpstreamConnection.this);
                if (draining && openStreams() == 0) {
                    context().close(); // drained while it was being set up
                }
            } else {
                owner.capacityFreed(UpstreamConnection.this); // MAX_CONCURRENT_STREAMS may have grown
            }
        }

        @Override
        protected void goAwayRead(int lastStreamId, long errorCode) {
            if (!goAway) {
                goAway = true;
                log.debug("GOAWAY from {} ({}): no new streams on this connection", owner.address(), errorCode);
                owner.connectionUnusable(UpstreamConnection.this);
                if (openStreams() == 0) {
                    context().close();
                }
            }
        }

        @Override
        protected void streamClosed(Http2Stream stream) {
            if ((goAway || draining) && openStreams() == 0) {
                context().close();
            } else {
                owner.capacityFreed(UpstreamConnection.this);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (drainDeadline != null) {
                drainDeadline.cancel(false);
            }
            super.channelInactive(ctx); // closes the streams: their calls hear of it first
            // closed without a GOAWAY and without our draining it: the backend or the network went away
            owner.connectionClosed(UpstreamConnection.this, ready, ready && !goAway && !draining);
        }
    }
}
