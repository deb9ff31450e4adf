package dev.grpcbalancer.dataplane.http2;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits on what a peer can make a connection write, which Netty's connection handler builder
 * puts around its own encoder and {@link ProxyConnectionBuilder} around one with the proxy's
 * {@link FrameWriter}. Either ends the connection with GOAWAY ENHANCE_YOUR_CALM:
 * <ul>
 *   <li><b>Queued control frames.</b> SETTINGS ACKs, PING ACKs and RST_STREAMs answer the peer;
 *       a peer that sends many of them and reads nothing would have them pile up unwritten. Past
 *       {@code maxQueuedControlFrames} written but not yet on the wire (after one flush to make
 *       room), the connection ends.</li>
 *   <li><b>RST_STREAMs sent.</b> A peer that makes the proxy reset streams (by breaking them on
 *       purpose: "MadeYouReset") opens and ends streams faster than any limit on concurrent streams
 *       allows, each a cost to the proxy and to the backend a call may already have reached. Past
 *       {@code maxResetsPerWindow} resets with an error code other than CANCEL or NO_ERROR in a
 *       window, the connection ends.</li>
 * </ul>
 *
 * <p>Confined to the connection's event loop.
 */
final class EncoderLimits extends DecoratingHttp2ConnectionEncoder {

    private static final Logger log = LoggerFactory.getLogger(EncoderLimits.class);

    private final int maxQueuedControlFrames;
    private final int maxResetsPerWindow;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ChannelFutureListener controlFrameWritten = future -> this.queuedControlFrames--;
    private Http2LifecycleManager lifecycleManager;
    private int queuedControlFrames;
    private boolean ended;
    private long windowStart;
    private int resetsInWindow;

    /**
     * @param maxQueuedControlFrames 0 for no limit
     * @param maxResetsPerWindow 0 for no limit
     */
    EncoderLimits(Http2ConnectionEncoder delegate, int maxQueuedControlFrames, int maxResetsPerWindow,
            long windowNanos, LongSupplier clock) {
        super(delegate);
        this.maxQueuedControlFrames = maxQueuedControlFrames;
        this.maxResetsPerWindow = maxResetsPerWindow;
        this.windowNanos = windowNanos;
        this.clock = clock;
        this.windowStart = clock.getAsLong();
    }

    @Override
    public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
        this.lifecycleManager = lifecycleManager;
        super.lifecycleManager(lifecycleManager);
    }

    @Override
    public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
        return super.writeSettingsAck(ctx, countControlFrame(ctx, promise));
    }

    @Override
    public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
        // only the ACKs answer the peer; our own PINGs are ours to pace
        return super.writePing(ctx, ack, data, ack ? countControlFrame(ctx, promise) : promise);
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
            ChannelPromise promise) {
        ChannelFuture written = super.writeRstStream(ctx, streamId, errorCode, countControlFrame(ctx, promise));
        if (maxResetsPerWindow > 0 && errorCode != Http2Error.CANCEL.code() && errorCode != Http2Error.NO_ERROR.code()) {
            countReset(ctx);
        }
        return written;
    }

    private ChannelPromise countControlFrame(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (maxQueuedControlFrames <= 0 || ended) {
            return promise;
        }
        if (queuedControlFrames >= maxQueuedControlFrames) {
            ctx.flush(); // what the peer has read makes room
        }
        if (queuedControlFrames >= maxQueuedControlFrames) {
            end(ctx, "%d control frames queued unwritten: the peer does not read", maxQueuedControlFrames);
            return promise;
        }
        queuedControlFrames++;
        return promise.unvoid().addListener(controlFrameWritten);
    }

    private void countReset(ChannelHandlerContext ctx) {
        long now = clock.getAsLong();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            resetsInWindow = 0;
        }
        if (++resetsInWindow > maxResetsPerWindow && !ended) {
            end(ctx, "more than %d streams reset for errors within %d s", maxResetsPerWindow,
                    windowNanos / 1_000_000_000L);
        }
    }

    private void end(ChannelHandlerContext ctx, String format, Object... args) {
        ended = true;
        Http2Exception error = Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, format, args);
        log.info("{}: {}, closing the connection", ctx.channel().remoteAddress(), error.getMessage());
        lifecycleManager.onError(ctx, true, error);
        ctx.close();
    }
}
