package dev.grpcbalancer.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;

/**
 * Copies the small buffers an HTTP/2 connection writes into one buffer per flush. Netty's frame
 * writer writes each frame as two or three buffers (frame header, header block or payload,
 * padding), each with its own promise; a unary call relayed by the proxy is about eight of them
 * per side. Handed to the channel one by one, every buffer is an entry of the channel's outbound
 * buffer, an iovec of the write and a completion to account for. Copied here, the frames of every
 * call flushed in one event loop turn leave as one buffer, and their promises complete together
 * when that buffer is written: in order, with its outcome, as they would have one by one.
 *
 * <p>Buffers larger than {@link #COPY_LIMIT} pass through untouched (after what is held, keeping
 * the order): copying a large DATA payload costs more than the entry it saves. Over TLS the
 * {@code SslHandler} coalesces before it encrypts, so this handler sits in plaintext pipelines
 * only, right below the connection.
 *
 * <p>Confined to the channel's event loop.
 */
public final class WriteCoalescer extends ChannelOutboundHandlerAdapter {

    /** Buffers up to this many bytes are copied; larger ones pass through. */
    static final int COPY_LIMIT = 1024;
    /** Once this much is held, it goes to the channel without waiting for the flush. */
    static final int HOLD_LIMIT = 64 * 1024;
    private static final int INITIAL_CAPACITY = 4096;

    private ByteBuf held;
    private ChannelPromise[] promises = new ChannelPromise[16];
    private int promiseCount;
    /** Set once the handler leaves the pipeline: what still comes (from listeners of failed writes) passes through. */
    private boolean removed;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (removed || !(msg instanceof ByteBuf buf) || buf.readableBytes() > COPY_LIMIT) {
            writeHeld(ctx);
            ctx.write(msg, promise);
            return;
        }
        if (held == null) {
            held = ctx.alloc().directBuffer(Math.max(INITIAL_CAPACITY, buf.readableBytes()));
        }
        held.writeBytes(buf);
        buf.release();
        if (promiseCount == promises.length) {
            promises = Arrays.copyOf(promises, promiseCount * 2);
        }
        promises[promiseCount++] = promise;
        if (held.readableBytes() >= HOLD_LIMIT) {
            writeHeld(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHeld(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // what is held goes below as an unflushed write, which the close fails as it fails any
        writeHeld(ctx);
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        removed = true;
        if (held != null) {
            held.release();
            held = null;
            Completion dropped = new Completion(Arrays.copyOf(promises, promiseCount));
            clearPromises();
            dropped.fail(new ClosedChannelException());
        }
    }

    private void writeHeld(ChannelHandlerContext ctx) {
        if (held == null) {
            return;
        }
        ByteBuf out = held;
        held = null;
        ChannelPromise written = ctx.newPromise();
        written.addListener(new Completion(Arrays.copyOf(promises, promiseCount)));
        clearPromises();
        ctx.write(out, written);
    }

    private void clearPromises() {
        Arrays.fill(promises, 0, promiseCount, null);
        promiseCount = 0;
    }

    /** Completes the promises of the buffers copied into one write with that write's outcome. */
    private record Completion(ChannelPromise[] promises) implements ChannelFutureListener {

        @Override
        public void operationComplete(ChannelFuture future) {
            if (future.isSuccess()) {
                for (ChannelPromise promise : promises) {
                    promise.trySuccess();
                }
            } else {
                fail(future.cause());
            }
        }

        void fail(Throwable cause) {
            for (ChannelPromise promise : promises) {
                promise.tryFailure(cause);
            }
        }
    }
}
