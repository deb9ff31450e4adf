package dev.grpcbalancer.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A peer that reads no answers, or makes the proxy reset stream after stream, loses its connection. */
class EncoderLimitsTest {

    private static final long WINDOW = TimeUnit.SECONDS.toNanos(30);

    private final HeldWrites held = new HeldWrites();
    private final ChannelOutboundHandlerAdapter top = new ChannelOutboundHandlerAdapter();
    private final EmbeddedChannel channel = new EmbeddedChannel(held, top);
    private final ChannelHandlerContext ctx = channel.pipeline().context(top);
    private final List<Throwable> errors = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @AfterEach
    void close() {
        held.promises.forEach(ChannelPromise::trySuccess);
        channel.finishAndReleaseAll();
    }

    @Test
    void answersThePeerLeavesUnreadEndTheConnectionPastTheLimit() {
        EncoderLimits encoder = limits(3, 0);
        encoder.writeSettingsAck(ctx, ctx.newPromise());
        encoder.writePing(ctx, true, 1, ctx.newPromise());
        encoder.writeSettingsAck(ctx, ctx.newPromise());
        assertStillServing();

        encoder.writePing(ctx, true, 2, ctx.newPromise()); // a fourth answer the peer has not read

        assertEndedWithEnhanceYourCalm();
    }

    @Test
    void answersThePeerHasReadMakeRoom() {
        EncoderLimits encoder = limits(3, 0);
        for (int i = 0; i < 10; i++) {
            encoder.writePing(ctx, true, i, ctx.newPromise());
            held.promises.forEach(ChannelPromise::trySuccess); // written to the socket
            held.promises.clear();
        }
        assertStillServing();
    }

    @Test
    void theProxysOwnPingsAreNotCounted() {
        EncoderLimits encoder = limits(3, 0);
        for (int i = 0; i < 10; i++) {
            encoder.writePing(ctx, false, i, ctx.newPromise());
        }
        assertStillServing();
    }

    @Test
    void resetsForErrorsPastTheLimitInAWindowEndTheConnection() {
        EncoderLimits encoder = limits(0, 3);
        for (int stream = 1; stream <= 11; stream += 2) {
            encoder.writeRstStream(ctx, stream, Http2Error.CANCEL.code(), ctx.newPromise()); // not counted
        }
        encoder.writeRstStream(ctx, 13, Http2Error.PROTOCOL_ERROR.code(), ctx.newPromise());
        encoder.writeRstStream(ctx, 15, Http2Error.STREAM_CLOSED.code(), ctx.newPromise());
        clock.addAndGet(WINDOW - 1);
        encoder.writeRstStream(ctx, 17, Http2Error.PROTOCOL_ERROR.code(), ctx.newPromise());
        assertThat(errors).isEmpty();

        encoder.writeRstStream(ctx, 19, Http2Error.PROTOCOL_ERROR.code(), ctx.newPromise());

        assertEndedWithEnhanceYourCalm();
    }

    @Test
    void theResetCountStartsOverWithEachWindow() {
        EncoderLimits encoder = limits(0, 3);
        for (int stream = 1; stream < 40; stream += 2) {
            encoder.writeRstStream(ctx, stream, Http2Error.INTERNAL_ERROR.code(), ctx.newPromise());
            clock.addAndGet(WINDOW / 3); // three per window
        }
        assertStillServing();
    }

    private void assertEndedWithEnhanceYourCalm() {
        assertThat(errors).singleElement().satisfies(error ->
                assertThat(((Http2Exception) error).error()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM));
        assertThat(channel.isOpen()).isFalse();
    }

    private void assertStillServing() {
        assertThat(errors).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    private EncoderLimits limits(int maxQueuedControlFrames, int maxResetsPerWindow) {
        DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
        EncoderLimits encoder = new EncoderLimits(new DefaultHttp2ConnectionEncoder(connection, new FrameWriter(null)),
                maxQueuedControlFrames, maxResetsPerWindow, WINDOW, clock::get);
        encoder.lifecycleManager(new Lifecycle());
        return encoder;
    }

    /** Keeps every write unwritten, as a socket whose peer reads nothing would. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        final List<ChannelPromise> promises = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing leaves
        }
    }

    /** Records errors; a reset writes its RST_STREAM as the connection handler does. */
    private final class Lifecycle implements Http2LifecycleManager {

        @Override
        public void closeStreamLocal(Http2Stream stream, ChannelFuture future) {
        }

        @Override
        public void closeStreamRemote(Http2Stream stream, ChannelFuture future) {
        }

        @Override
        public void closeStream(Http2Stream stream, ChannelFuture future) {
        }

        @Override
        public ChannelFuture resetStream(ChannelHandlerContext ctx, int streamId, long errorCode,
                ChannelPromise promise) {
            return new FrameWriter(null).writeRstStream(ctx, streamId, errorCode, promise);
        }

        @Override
        public ChannelFuture goAway(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                io.netty.buffer.ByteBuf debugData, ChannelPromise promise) {
            debugData.release();
            return promise.setSuccess();
        }

        @Override
        public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
            errors.add(cause);
        }
    }
}
