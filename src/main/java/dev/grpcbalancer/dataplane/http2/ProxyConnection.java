package dev.grpcbalancer.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/2 connection of the proxy, either side: Netty's connection handler (framing, HPACK,
 * stream states, flow control, the protections of {@link ProxyConnectionBuilder}) with the frames
 * of each stream routed straight to its {@link StreamHandler}. No channel, pipeline or promise per
 * stream: a call costs one {@link ProxyStream} per side.
 *
 * <p><b>Flow control.</b> Received DATA is not credited back to the peer when it is read but when
 * the call has passed it on ({@link ProxyStream#consume}), so WINDOW_UPDATEs follow the speed of
 * the reader on the other side of the proxy, and the proxy holds at most about one stream window
 * per direction and call.
 *
 * <p>Confined to the channel's event loop.
 */
public abstract class ProxyConnection extends Http2ConnectionHandler implements Http2FrameListener {

    private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);

    private final Http2Connection.PropertyKey streamKey;
    private final int connectionWindowBytes;
    private ChannelHandlerContext ctx;
    private FlushBatch flushes;
    private boolean flushScheduled;
    private boolean windowOpened;
    /** HEADERS and DATA frames written so far: a client PING after one of them is a fair question. */
    private long framesWritten;
    private List<PingListener> pingListeners = List.of();

    /** Hears the PING frames of a connection: lifecycle handlers (keepalive, max age, PING policy). */
    public interface PingListener {

        /** The peer sent a PING (Netty has acknowledged it already). */
        default void pingRead(long data) {
        }

        /** The peer acknowledged one of our PINGs. */
        default void pingAckRead(long data) {
        }
    }

    /**
     * @param connectionWindowBytes the connection-level receive window (SETTINGS carry only the
     *     per-stream one; the connection window starts at 65,535 bytes and is raised once the
     *     preface is out)
     */
    protected ProxyConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings, int connectionWindowBytes) {
        super(decoder, encoder, initialSettings);
        this.connectionWindowBytes = connectionWindowBytes;
        this.streamKey = connection().newKey();
        decoder.frameListener(this);
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                ProxyStream proxyStream = stream.getProperty(streamKey);
                if (proxyStream != null) {
                    proxyStream.closed();
                }
                streamClosed(stream);
            }

            @Override
            public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
                // the subclass first (a pool must stop handing out streams before refused calls
                // come back for new ones), then the refused streams' handlers
                goAwayRead(lastStreamId, errorCode);
                refuseStreamsAbove(lastStreamId);
            }
        });
    }

    // ---- for subclasses ----

    /** HEADERS on a stream no {@link ProxyStream} is attached to yet: a new call on a server. */
    protected abstract void newStreamHeaders(Http2Stream stream, Http2Headers headers, boolean endStream);

    /** A stream closed (after its handler heard of it). */
    protected void streamClosed(Http2Stream stream) {
    }

    /** The peer's SETTINGS, already applied. */
    protected void settingsRead(Http2Settings settings) {
    }

    /**
     * The peer's GOAWAY, before the handlers of the streams above {@code lastStreamId} hear that
     * they were refused.
     */
    protected void goAwayRead(int lastStreamId, long errorCode) {
    }

    /** Gives {@code stream} a {@link ProxyStream}, which routes its frames from now on. */
    protected final ProxyStream attach(Http2Stream stream) {
        ProxyStream proxyStream = new ProxyStream(this, stream);
        stream.setProperty(streamKey, proxyStream);
        return proxyStream;
    }

    protected final ChannelHandlerContext context() {
        return ctx;
    }

    /** {@code listener} hears every PING and PING ACK from now on. Call on the event loop. */
    public final void addPingListener(PingListener listener) {
        List<PingListener> more = new ArrayList<>(pingListeners);
        more.add(listener);
        pingListeners = List.copyOf(more);
    }

    /** Sends a PING with {@code data}; flushed at the end of the event loop turn. */
    public final ChannelFuture ping(long data) {
        ChannelFuture written = encoder().writePing(ctx, false, data, ctx.newPromise());
        flushLater();
        return written;
    }

    /**
     * Sends GOAWAY with {@code lastStreamId} (streams above it were not and will not be
     * processed), {@code error} and ASCII {@code debugData}; the connection stays open. Sending a
     * second one with a lower last-stream-id is allowed, a higher one is not.
     */
    public final ChannelFuture goAway(int lastStreamId, Http2Error error, String debugData) {
        ChannelFuture written = goAway(ctx, lastStreamId, error.code(), ByteBufUtil.writeAscii(ctx.alloc(), debugData),
                ctx.newPromise());
        flushLater();
        return written;
    }

    /**
     * Closes the connection at once, below every handler: without the graceful shutdown of a close
     * through the pipeline (GOAWAY, then waiting for the streams) and, over TLS, without a
     * close_notify, whose flush to a peer that stopped reading would hold the close for seconds:
     * the streams end with the connection.
     */
    public final void closeNow() {
        ctx.pipeline().firstContext().close();
    }

    /** HEADERS and DATA frames written on this connection so far. */
    public final long framesWritten() {
        return framesWritten;
    }

    /** Flushes this connection at the end of the event loop turn. */
    public final void flushLater() {
        if (!flushScheduled) {
            flushScheduled = true;
            if (flushes == null) {
                flushes = FlushBatch.of(ctx.channel().eventLoop());
            }
            flushes.add(this);
        }
    }

    // ---- channel events ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
        openConnectionWindow();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        openConnectionWindow();
    }

    /** Raises the connection window once the preface (which must come first) is out. */
    private void openConnectionWindow() throws Http2Exception {
        if (windowOpened || !ctx.channel().isActive()) {
            return;
        }
        windowOpened = true;
        Http2Stream connectionStream = connection().connectionStream();
        int increment = connectionWindowBytes
                - connection().local().flowController().initialWindowSize(connectionStream);
        if (increment > 0) {
            connection().local().flowController().incrementWindowSize(connectionStream, increment);
            flush(ctx);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // answered by the handler: GOAWAY with the right code, or RST_STREAM
            log.debug("{}: {}", channelDescription(), cause.getMessage());
            super.exceptionCaught(ctx, cause);
            return;
        }
        log.debug("{} failed: {}", channelDescription(), cause.toString());
        ctx.close();
    }

    // ---- for ProxyStream ----

    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    boolean isActive() {
        return ctx.channel().isActive();
    }

    String channelDescription() {
        return ctx == null ? "connection" : "connection " + ctx.channel().remoteAddress();
    }

    ChannelFuture writeHeaders(int streamId, Http2Headers headers, boolean endStream) {
        framesWritten++;
        ChannelFuture written = encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
        flushLater();
        return written;
    }

    /**
     * Writes DATA on {@code stream}. Netty's encoder queues every DATA frame in its remote flow
     * controller (an entry with a buffer queue of its own, a write promise and a notifier) and
     * writes it at the flush. A frame that the controller would write whole at the flush anyway
     * goes to the frame writer at once: nothing of the stream is queued before it (so the frames
     * stay in order), both windows take it, and the channel takes it without becoming unwritable.
     * Its bytes come off the windows as the controller would take them, and an END_STREAM closes
     * the stream's sending side when written, as the encoder does. Anything else takes the
     * encoder's way.
     */
    ChannelFuture writeData(Http2Stream stream, ByteBuf data, boolean endStream) {
        framesWritten++;
        ChannelPromise promise = ctx.newPromise();
        Http2RemoteFlowController flow = connection().remote().flowController();
        int bytes = data.readableBytes();
        if (writesAtOnce(flow, stream, bytes)) {
            try {
                flow.incrementWindowSize(stream, -bytes);
                flow.incrementWindowSize(connection().connectionStream(), -bytes);
            } catch (Http2Exception e) {
                throw new IllegalStateException("a window shrinks by what fits in it", e);
            }
            encoder().frameWriter().writeData(ctx, stream.id(), data, 0, endStream, promise);
            if (endStream) {
                closeStreamLocal(stream, promise);
            }
        } else {
            encoder().writeData(ctx, stream.id(), data, 0, endStream, promise);
        }
        flushLater();
        return promise;
    }

    private boolean writesAtOnce(Http2RemoteFlowController flow, Http2Stream stream, int bytes) {
        Http2Stream.State state = stream.state();
        if (state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE) {
            return false; // the encoder fails the write
        }
        return !flow.hasFlowControlled(stream)
                && bytes <= flow.windowSize(stream)
                && bytes <= flow.windowSize(connection().connectionStream())
                && bytes <= ctx.channel().bytesBeforeUnwritable();
    }

    void consume(Http2Stream stream, int bytes) {
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                flushLater(); // a WINDOW_UPDATE went out
            }
        } catch (Http2Exception e) {
            onError(ctx, false, e);
        }
    }

    void reset(int streamId, Http2Error error) {
        resetStream(ctx, streamId, error.code(), ctx.newPromise());
        flushLater();
    }

    void flushNow() {
        flushScheduled = false;
        if (ctx.channel().isActive()) {
            flush(ctx);
        }
    }

    private void refuseStreamsAbove(int lastStreamId) {
        List<ProxyStream> refused = new ArrayList<>();
        try {
            connection().forEachActiveStream(stream -> {
                if (stream.id() > lastStreamId && connection().local().isValidStreamId(stream.id())) {
                    ProxyStream proxyStream = stream.getProperty(streamKey);
                    if (proxyStream != null) {
                        refused.add(proxyStream);
                    }
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws nothing
        }
        for (ProxyStream proxyStream : refused) {
            StreamHandler handler = proxyStream.detach();
            if (handler != null) {
                handler.refusedByGoAway();
            }
        }
    }

    private ProxyStream proxyStream(int streamId) {
        Http2Stream stream = connection().stream(streamId);
        return stream == null ? null : stream.getProperty(streamKey);
    }

    // ---- Http2FrameListener ----

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        int bytes = data.readableBytes() + padding;
        ProxyStream stream = proxyStream(streamId);
        StreamHandler handler = stream == null ? null : stream.handler();
        if (handler == null) {
            return bytes; // nobody wants it: credit it back at once
        }
        handler.dataRead(data.retain(), bytes, endOfStream);
        return 0;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endOfStream) {
        Http2Stream stream = connection().stream(streamId); // the decoder has created it
        ProxyStream proxyStream = stream.getProperty(streamKey);
        if (proxyStream == null) {
            newStreamHeaders(stream, headers, endOfStream);
            return;
        }
        StreamHandler handler = proxyStream.handler();
        if (handler != null) {
            handler.headersRead(headers, endOfStream);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
            short weight, boolean exclusive, int padding, boolean endOfStream) {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        ProxyStream stream = proxyStream(streamId);
        StreamHandler handler = stream == null ? null : stream.detach();
        if (handler != null) {
            handler.resetRead(Http2Error.valueOf(errorCode));
        }
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
        settingsRead(settings);
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        // handled when the connection learns of it (goAwayRead), before the streams are refused
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
            boolean exclusive) {
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) {
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
        // acknowledged by the decoder
        for (PingListener listener : pingListeners) {
            listener.pingRead(data);
        }
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        for (PingListener listener : pingListeners) {
            listener.pingAckRead(data);
        }
    }

    @Override
    public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
            Http2Headers headers, int padding) {
        // push is disabled in our SETTINGS; the decoder rejects a PUSH_PROMISE before it gets here
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        // applied by the flow controller
    }

    @Override
    public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
            ByteBuf payload) {
        // ignored, as RFC 9113 asks
    }
}
