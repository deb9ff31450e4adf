package dev.grpcbalancer.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's frame writer puts on the wire exactly the bytes Netty's writer does, frame for frame
 * and HPACK state for HPACK state, whether it writes into the coalescer or down the pipeline; and
 * it keeps Netty's contract for promises and buffers.
 */
class FrameWriterTest {

    private final List<Side> sides = new ArrayList<>();

    @AfterEach
    void close() {
        sides.forEach(side -> side.channel.finishAndReleaseAll());
    }

    @Test
    void randomFrameSequencesLeaveAsTheBytesNettysWriterWrites() throws Exception {
        for (long seed = 1; seed <= 30; seed++) {
            for (Mode mode : Mode.values()) {
                Side netty = side(Mode.NETTY).untracked();
                Side ours = side(mode).untracked();
                Random random = new Random(seed);
                List<Op> ops = randomOps(random, 60);
                for (int i = 0; i < ops.size(); i++) {
                    Op op = ops.get(i);
                    ChannelFuture expected = op.apply(netty);
                    ChannelFuture actual = op.apply(ours);
                    netty.channel.flush();
                    ours.channel.flush();
                    String what = "seed " + seed + ", " + mode + ", op " + i + ": " + op;
                    assertThat(actual.isSuccess()).as(what).isEqualTo(expected.isSuccess());
                    assertSameBytes(ours.drainBytes(), netty.drainBytes(), what);
                }
            }
        }
    }

    @Test
    void aHeaderBlockLargerThanAFrameContinues() {
        Side netty = side(Mode.NETTY);
        Side ours = side(Mode.COALESCED);
        Http2Headers large = new DefaultHttp2Headers().status("200").add("x-large", "v".repeat(40_000));
        for (Side side : List.of(netty, ours)) {
            side.writer.writeHeaders(side.ctx, 3, large, 0, true, side.ctx.newPromise());
            side.channel.flush();
        }
        String bytes = ours.drain();
        assertThat(bytes).isEqualTo(netty.drain());
        // HEADERS (16,384 bytes) then CONTINUATIONs, the last with END_HEADERS
        assertThat(bytes.substring(0, 18)).isEqualTo("004000" + "01" + "01" + "00000003");
    }

    @Test
    void writesCompleteWithTheirCoalescedWriteAtTheFlush() {
        Side ours = side(Mode.COALESCED);
        ChannelFuture headers = ours.writer.writeHeaders(ours.ctx, 1, new DefaultHttp2Headers().status("200"), 0,
                false, ours.ctx.newPromise());
        ByteBuf small = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0});
        ChannelFuture data = ours.writer.writeData(ours.ctx, 1, small, 0, false, ours.ctx.newPromise());

        assertThat(small.refCnt()).as("copied behind its frame header and given back").isZero();
        assertThat(headers.isDone()).isFalse();
        assertThat(data.isDone()).isFalse();
        assertThat(ours.channel.outboundMessages()).isEmpty();

        ours.channel.flush();
        assertThat(ours.channel.outboundMessages()).hasSize(1);
        assertThat(headers.isSuccess()).isTrue();
        assertThat(data.isSuccess()).isTrue();
    }

    @Test
    void aFailedWriteFailsTheFramesInIt() {
        Side ours = new Side(Mode.COALESCED, new FailingWrites());
        sides.add(ours);
        ChannelFuture headers = ours.writer.writeHeaders(ours.ctx, 1, new DefaultHttp2Headers().status("200"), 0,
                false, ours.ctx.newPromise());
        ByteBuf large = Unpooled.wrappedBuffer(new byte[20_000]);
        ChannelFuture data = ours.writer.writeData(ours.ctx, 1, large, 0, true, ours.ctx.newPromise());
        ours.channel.flush();

        assertThat(headers.cause()).isInstanceOf(IOException.class);
        assertThat(data.cause()).isInstanceOf(IOException.class);
        assertThat(large.refCnt()).as("released by the failed write").isZero();
    }

    @Test
    void aHeaderListOverThePeersLimitFailsItsWriteAndLeavesNothingBehind() throws Exception {
        for (Mode mode : List.of(Mode.COALESCED, Mode.PIPELINE)) {
            Side ours = side(mode);
            ours.writer.configuration().headersConfiguration().maxHeaderListSize(1000);
            ChannelFuture before = ours.writer.writeHeaders(ours.ctx, 1, new DefaultHttp2Headers().status("200"), 0,
                    false, ours.ctx.newPromise());
            ChannelFuture tooLarge = ours.writer.writeHeaders(ours.ctx, 1,
                    new DefaultHttp2Headers().add("grpc-message", "m".repeat(2000)), 0, true, ours.ctx.newPromise());
            ChannelFuture after = ours.writer.writeHeaders(ours.ctx, 3, new DefaultHttp2Headers().status("200"), 0,
                    true, ours.ctx.newPromise());
            ours.channel.flush();

            assertThat(tooLarge.cause()).as(mode.name()).isInstanceOf(Http2Exception.class);
            assertThat(before.isSuccess()).isTrue();
            assertThat(after.isSuccess()).isTrue();
            // ":status: 200" twice (static table index 8), and nothing between them
            assertThat(ours.drain()).isEqualTo("000001" + "01" + "04" + "00000001" + "88"
                    + "000001" + "01" + "05" + "00000003" + "88");
        }
    }

    @Test
    void invalidArgumentsFailTheWriteAndReleaseTheData() {
        Side ours = side(Mode.COALESCED);
        ByteBuf data = Unpooled.wrappedBuffer(new byte[10]);
        assertThat(ours.writer.writeData(ours.ctx, 0, data, 0, false, ours.ctx.newPromise()).cause())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(data.refCnt()).isZero();
        assertThat(ours.writer.writeHeaders(ours.ctx, 1, new DefaultHttp2Headers(), 257, false,
                ours.ctx.newPromise()).cause()).isInstanceOf(IllegalArgumentException.class);
        assertThat(ours.writer.writePushPromise(ours.ctx, 1, 2, new DefaultHttp2Headers(), 0,
                ours.ctx.newPromise()).cause()).isInstanceOf(UnsupportedOperationException.class);
        ours.channel.flush();
        assertThat(ours.drain()).isEmpty();
    }

    /** Fails with where the bytes part, not with all of them. */
    private static void assertSameBytes(byte[] actualBytes, byte[] expectedBytes, String what) {
        if (Arrays.equals(actualBytes, expectedBytes)) {
            return;
        }
        String actual = ByteBufUtil.hexDump(actualBytes);
        String expected = ByteBufUtil.hexDump(expectedBytes);
        int at = 0;
        while (at < actual.length() && at < expected.length() && actual.charAt(at) == expected.charAt(at)) {
            at++;
        }
        if (at < actual.length() || at < expected.length()) {
            int from = Math.max(0, at - 40);
            throw new AssertionError(what + ": bytes part at byte " + at / 2 + " of " + expected.length() / 2
                    + "\n expected ..." + expected.substring(from, Math.min(expected.length(), at + 60))
                    + "\n actual   ..." + actual.substring(from, Math.min(actual.length(), at + 60)));
        }
    }

    // ---- the random sequences ----

    private static List<Op> randomOps(Random random, int count) {
        String[] names = {"content-type", "grpc-status", "grpc-message", "x-request-id", "te", "x-custom"};
        int[] dataSizes = {0, 1, 5, 100, 1024, 1025, 5000, 16_384, 16_385, 40_000};
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int stream = 1 + 2 * random.nextInt(5);
            boolean endStream = random.nextBoolean();
            switch (random.nextInt(10)) {
                case 0, 1, 2, 3 -> {
                    Http2Headers headers = new DefaultHttp2Headers();
                    if (random.nextBoolean()) {
                        headers.status(random.nextBoolean() ? "200" : "503");
                    }
                    for (int h = random.nextInt(5); h > 0; h--) {
                        int length = random.nextInt(20) == 0 ? 20_000 : random.nextInt(40);
                        headers.add(names[random.nextInt(names.length)], "v".repeat(length) + random.nextInt(3));
                    }
                    int padding = random.nextInt(4) == 0 ? random.nextInt(257) : 0;
                    if (random.nextInt(5) == 0) {
                        int dependency = random.nextInt(9);
                        short weight = (short) (1 + random.nextInt(256));
                        boolean exclusive = random.nextBoolean();
                        ops.add(new Op("HEADERS+priority " + stream, side -> side.writer.writeHeaders(side.ctx, stream,
                                headers, dependency, weight, exclusive, padding, endStream, side.ctx.newPromise())));
                    } else {
                        ops.add(new Op("HEADERS " + stream + " padding " + padding, side -> side.writer.writeHeaders(
                                side.ctx, stream, headers, padding, endStream, side.ctx.newPromise())));
                    }
                }
                case 4, 5, 6 -> {
                    byte[] bytes = new byte[dataSizes[random.nextInt(dataSizes.length)]];
                    random.nextBytes(bytes);
                    int padding = random.nextInt(6) == 0 ? random.nextInt(257) : 0;
                    ops.add(new Op("DATA " + stream + " " + bytes.length + " padding " + padding,
                            side -> side.writer.writeData(side.ctx, stream, Unpooled.wrappedBuffer(bytes).slice(),
                                    padding, endStream, side.ctx.newPromise())));
                }
                case 7 -> {
                    long data = random.nextLong();
                    boolean ack = random.nextBoolean();
                    ops.add(new Op("PING", side -> side.writer.writePing(side.ctx, ack, data, side.ctx.newPromise())));
                    ops.add(new Op("RST_STREAM " + stream, side -> side.writer.writeRstStream(side.ctx, stream,
                            Http2Error.CANCEL.code(), side.ctx.newPromise())));
                    ops.add(new Op("WINDOW_UPDATE", side -> side.writer.writeWindowUpdate(side.ctx, 0, 1000,
                            side.ctx.newPromise())));
                    ops.add(new Op("SETTINGS", side -> side.writer.writeSettings(side.ctx,
                            new Http2Settings().initialWindowSize(1 << 20), side.ctx.newPromise())));
                }
                case 8 -> {
                    int frameSize = random.nextBoolean() ? 16_384 : 16_384 + random.nextInt(20_000);
                    ops.add(new Op("maxFrameSize " + frameSize, side -> configure(side,
                            writer -> writer.configuration().frameSizePolicy().maxFrameSize(frameSize))));
                }
                default -> {
                    int tableSize = random.nextBoolean() ? 4096 : random.nextInt(512);
                    ops.add(new Op("maxHeaderTableSize " + tableSize, side -> configure(side,
                            writer -> writer.configuration().headersConfiguration().maxHeaderTableSize(tableSize))));
                }
            }
        }
        return ops;
    }

    private interface Configure {
        void apply(Http2FrameWriter writer) throws Http2Exception;
    }

    private static ChannelFuture configure(Side side, Configure configure) {
        try {
            configure.apply(side.writer);
            return side.ctx.newSucceededFuture();
        } catch (Http2Exception e) {
            return side.ctx.newFailedFuture(e);
        }
    }

    private record Op(String name, Function<Side, ChannelFuture> write) {

        ChannelFuture apply(Side side) {
            return write.apply(side);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    // ---- the channels ----

    private enum Mode {
        /** Netty's writer, down the pipeline: the reference. */
        NETTY,
        /** Ours, into the coalescer right below the connection. */
        COALESCED,
        /** Ours, with no coalescer (as over TLS): one buffer per frame down the pipeline. */
        PIPELINE,
        /** Ours, its coalescer gone from the pipeline (a closing channel): down the pipeline too. */
        COALESCER_REMOVED
    }

    private Side side(Mode mode) {
        Side side = new Side(mode, null);
        sides.add(side);
        return side;
    }

    /** A channel whose handler above the coalescer stands where the connection would. */
    private static final class Side {
        final EmbeddedChannel channel;
        final ChannelHandlerContext ctx;
        final Http2FrameWriter writer;

        Side(Mode mode, ChannelOutboundHandlerAdapter below) {
            ChannelOutboundHandlerAdapter connection = new ChannelOutboundHandlerAdapter();
            WriteCoalescer coalescer = new WriteCoalescer();
            channel = new EmbeddedChannel();
            if (below != null) {
                channel.pipeline().addLast(below);
            }
            if (mode == Mode.COALESCED || mode == Mode.COALESCER_REMOVED) {
                channel.pipeline().addLast(coalescer);
            }
            channel.pipeline().addLast(connection);
            if (mode == Mode.COALESCER_REMOVED) {
                channel.pipeline().remove(coalescer);
            }
            ctx = channel.pipeline().context(connection);
            writer = switch (mode) {
                case NETTY -> new DefaultHttp2FrameWriter();
                case COALESCED, COALESCER_REMOVED -> new FrameWriter(coalescer);
                case PIPELINE -> new FrameWriter(null);
            };
        }

        /**
         * Buffers from an allocator the paranoid leak detector does not follow: it records a stack
         * trace on every access, and HPACK writes long header values a byte at a time. The other
         * tests here check what is released.
         */
        Side untracked() {
            channel.config().setAllocator(new UnpooledByteBufAllocator(true, true));
            return this;
        }

        /** Everything written so far. */
        byte[] drainBytes() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (Object message; (message = channel.readOutbound()) != null; ) {
                ByteBuf buf = (ByteBuf) message;
                bytes.writeBytes(ByteBufUtil.getBytes(buf));
                buf.release();
            }
            return bytes.toByteArray();
        }

        /** Everything written so far, as hex. */
        String drain() {
            return ByteBufUtil.hexDump(drainBytes());
        }
    }

    /** Fails every write below the coalescer, as a broken socket would. */
    private static final class FailingWrites extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IOException("broken pipe"));
        }
    }
}
