package dev.grpcbalancer.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection to a backend, confined to its event loop. Knows how many streams it may
 * still open: the backend's SETTINGS_MAX_CONCURRENT_STREAMS minus the streams reserved on it, and
 * none once it got GOAWAY, is draining, or nears the end of its stream ids. A connection that takes
 * no new streams closes when its last stream ends.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);
    /** Stream ids are 31 bits and odd on a client: stop well before they run out. */
    private static final int LAST_USABLE_STREAM_ID = Integer.MAX_VALUE - 1_000_000;

    private final EndpointConnections owner;
    private final int streamCap;
    private Channel channel;
    private Http2FrameCodec codec;
    private boolean ready;
    private boolean goAway;
    private boolean draining;
    private long maxConcurrentStreams = Long.MAX_VALUE;
    private int reserved;
    private ScheduledFuture<?> drainDeadline;

    /**
     * @param streamCap most streams this connection carries at once, whatever the backend allows:
     *     every stream may pin up to one stream window of the shared connection window (credit
     *     returns only as the proxy reads, which it does only as fast as the client reads), so
     *     more streams than connection window / stream window would let a few stalled readers
     *     block every call on the connection
     */
    UpstreamConnection(EndpointConnections owner, int streamCap) {
        this.owner = owner;
        this.streamCap = streamCap;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        codec = ctx.pipeline().get(Http2FrameCodec.class);
    }

    /** Whether one more stream may be opened now. */
    boolean hasCapacity() {
        return ready && !goAway && !draining && channel.isActive() && reserved < maxConcurrentStreams
                && reserved < streamCap
                && codec.connection().local().lastStreamCreated() < LAST_USABLE_STREAM_ID;
    }

    boolean isReady() {
        return ready;
    }

    int reserved() {
        return reserved;
    }

    /** Opens a stream for {@code pending}; the caller checked {@link #hasCapacity()}. */
    void open(PendingStream pending) {
        reserved++;
        Future<Http2StreamChannel> opened = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(pending.handler())
                .open();
        opened.addListener(f -> {
            if (!f.isSuccess()) {
                streamClosed();
                pending.callback().failed("could not open a stream to " + owner.address() + ": " + f.cause());
                return;
            }
            Http2StreamChannel stream = opened.getNow();
            stream.closeFuture().addListener(c -> streamClosed());
            if (pending.callback().cancelled()) {
                stream.close();
            } else {
                pending.callback().opened(stream);
            }
        });
    }

    /** No new streams; close once the open ones end, or at {@code drainTimeoutNanos} at the latest. */
    void drain(long drainTimeoutNanos) {
        if (draining) {
            return;
        }
        draining = true;
        if (reserved == 0) {
            channel.close();
        } else if (drainTimeoutNanos > 0) {
            drainDeadline = channel.eventLoop().schedule(() -> {
                if (channel.isActive()) {
                    log.info("closing connection to {} with {} streams still open: drain timeout passed",
                            owner.address(), reserved);
                    channel.close();
                }
            }, drainTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The endpoint is configured again: take new streams and forget the drain deadline. */
    void revive() {
        if (draining && channel.isActive()) {
            draining = false;
            if (drainDeadline != null) {
                drainDeadline.cancel(false);
                drainDeadline = null;
            }
        }
    }

    private void streamClosed() {
        reserved--;
        if ((goAway || draining) && reserved == 0) {
            channel.close();
        } else {
            owner.capacityFreed(this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame settings) {
                Long max = settings.settings().maxConcurrentStreams();
                if (max != null) {
                    maxConcurrentStreams = max;
                }
                if (!ready) {
                    ready = true;
                    owner.connectionReady(this);
                } else {
                    owner.capacityFreed(this);
                }
            } else if (msg instanceof Http2GoAwayFrame goAwayFrame) {
                if (!goAway) {
                    goAway = true;
                    log.debug("GOAWAY from {} ({}): no new streams on this connection",
                            owner.address(), goAwayFrame.errorCode());
                    owner.connectionUnusable(this);
                    if (reserved == 0) {
                        ctx.close();
                    }
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (drainDeadline != null) {
            drainDeadline.cancel(false);
        }
        owner.connectionClosed(this, ready);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection to {} failed: {}", owner.address(), cause.toString());
        if (!(cause instanceof Http2Exception)) {
            ctx.close(); // the codec answers HTTP/2 errors itself (GOAWAY or RST_STREAM)
        }
    }

    Channel channel() {
        return channel;
    }
}
