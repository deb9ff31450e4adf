package dev.grpcbalancer.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Small writes leave as one buffer per flush, in order, each promise with the outcome of that buffer's write. */
class WriteCoalescerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new WriteCoalescer());
    private final List<ByteBuf> written = new ArrayList<>();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        written.forEach(ByteBuf::release);
    }

    @Test
    void smallWritesLeaveAsOneBufferAtTheFlushAndTheirPromisesCompleteThen() {
        ByteBuf first = bytes("frame-header|");
        ByteBuf second = bytes("header-block|");
        ChannelFuture one = channel.write(first);
        ChannelFuture two = channel.write(second);

        assertThat(channel.outboundMessages()).isEmpty(); // nothing goes out before the flush
        assertThat(one.isDone()).isFalse();
        assertThat(first.refCnt()).isZero(); // copied, and the original given back

        channel.flush();

        assertThat(drain()).containsExactly("frame-header|header-block|");
        assertThat(one.isSuccess()).isTrue();
        assertThat(two.isSuccess()).isTrue();
    }

    @Test
    void aLargeBufferPassesThroughAfterWhatIsHeldKeepingTheOrder() {
        ByteBuf large = bytes("x".repeat(WriteCoalescer.COPY_LIMIT + 1));
        channel.write(bytes("a"));
        channel.write(bytes("b"));
        channel.write(large);
        channel.write(bytes("c"));
        channel.flush();

        List<ByteBuf> out = new ArrayList<>();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            out.add((ByteBuf) message);
        }
        written.addAll(out);
        assertThat(out).hasSize(3);
        assertThat(out.get(1)).isSameAs(large); // not copied
        assertThat(out.stream().map(WriteCoalescerTest::text))
                .containsExactly("ab", "x".repeat(WriteCoalescer.COPY_LIMIT + 1), "c");
    }

    @Test
    void whatIsHeldGoesOutUnflushedOnceItPassesTheHoldLimit() {
        Recorder recorder = new Recorder();
        EmbeddedChannel recorded = new EmbeddedChannel(recorder, new WriteCoalescer());
        try {
            int writes = WriteCoalescer.HOLD_LIMIT / WriteCoalescer.COPY_LIMIT;
            for (int i = 0; i < writes; i++) {
                recorded.write(Unpooled.wrappedBuffer(new byte[WriteCoalescer.COPY_LIMIT]));
            }

            assertThat(recorder.writes).isEqualTo(1);
            assertThat(recorder.flushes).isZero();
        } finally {
            recorded.finishAndReleaseAll();
        }
    }

    @Test
    void aFailedWriteFailsThePromiseOfEveryBufferInIt() {
        IOException broken = new IOException("connection reset");
        EmbeddedChannel failing = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ((ByteBuf) msg).release();
                promise.setFailure(broken);
            }
        }, new WriteCoalescer());
        try {
            ChannelFuture one = failing.write(bytes("a"));
            ChannelFuture two = failing.write(bytes("b"));
            failing.flush();

            assertThat(one.cause()).isSameAs(broken);
            assertThat(two.cause()).isSameAs(broken);
        } finally {
            failing.finishAndReleaseAll();
        }
    }

    @Test
    void removingTheHandlerReleasesWhatIsHeldAndFailsItsPromises() {
        ByteBuf data = bytes("held");
        ChannelFuture held = channel.write(data);

        channel.pipeline().removeFirst();

        assertThat(held.cause()).isInstanceOf(ClosedChannelException.class);
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void aWriteFromTheListenerOfADroppedPromiseIsNotHeldByTheRemovedHandler() {
        // as the HTTP/2 handler does: its failed RST_STREAM write makes it write a GOAWAY, from its
        // context, which the pipeline's teardown took out just before this handler
        ChannelHandlerContext[] above = new ChannelHandlerContext[1];
        EmbeddedChannel torn = new EmbeddedChannel(new WriteCoalescer(), new ChannelOutboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                above[0] = ctx;
            }
        });
        ChannelFuture[] goAway = new ChannelFuture[1];
        torn.write(bytes("rst")).addListener(failed -> goAway[0] = above[0].write(bytes("goaway")));

        torn.pipeline().firstContext().close(); // below every handler, as ProxyConnection.closeNow does
        torn.runPendingTasks();

        assertThat(goAway[0]).isNotNull();
        assertThat(goAway[0].cause()).isInstanceOf(ClosedChannelException.class); // failed and released below, not held
        torn.finishAndReleaseAll();
    }

    @Test
    void aCloseFailsTheUnflushedWritesAsTheChannelWould() {
        ChannelFuture held = channel.write(bytes("never flushed"));

        channel.close();

        assertThat(held.isSuccess()).isFalse();
        assertThat(held.cause()).isInstanceOf(ClosedChannelException.class);
    }

    private List<String> drain() {
        List<String> out = new ArrayList<>();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) message;
            written.add(buf);
            out.add(text(buf));
        }
        return out;
    }

    private static ByteBuf bytes(String text) {
        return ByteBufUtil.writeAscii(ByteBufAllocator.DEFAULT, text);
    }

    private static String text(ByteBuf buf) {
        return buf.toString(StandardCharsets.US_ASCII);
    }

    /** Counts what reaches the channel below the coalescer. */
    private static final class Recorder extends ChannelOutboundHandlerAdapter {
        int writes;
        int flushes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes++;
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
            ctx.flush();
        }
    }
}
