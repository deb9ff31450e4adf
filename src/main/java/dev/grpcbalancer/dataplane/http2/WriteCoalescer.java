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
 * The output buffer of an HTTP/2 connection: what the connection writes in one event loop turn
 * leaves as one buffer at the flush. {@link FrameWriter} encodes HEADERS and DATA frames straight
 * into it ({@link #buffer}, {@link #appended}); any other buffer written down the pipeline is
 * copied into it. Handed to the channel one by one, every buffer would be an entry of the
 * channel's outbound buffer, an iovec of the write and a completion to account for. Here the
 * frames of every call flushed in one turn leave as one buffer, and their promises complete
 * together when that buffer is written: in order, with its outcome, as they would have one by one.
 *
 * <p>Buffers larger than {@link #COPY_LIMIT} pass through untouched (after what is held, keeping
 * the order): copying a large DATA payload costs more than the entry it saves. It sits right below
 * the connection in every pipeline; over TLS the {@code SslHandler} below it then gets one buffer
 * per flush to encrypt.
 *
 * <p>Confined to the channel's event loop.
 */
public final class WriteCoalescer extends ChannelOutboundHandlerAdapter {

    /** Buffers up to this many bytes are copied; larger ones pass through. */
    static final int COPY_LIMIT = 1024;
    /** Once this much is held, it goes to the channel without waiting for the flush. */
    static final int HOLD_LIMIT = 64 * 1024;
    private static final int INITIAL_CAPACITY = 4096;

    private ChannelHandlerContext ctx;
    private ByteBuf held;
    private ChannelPromise[] promises = new ChannelPromise[16];
    private int promiseCount;
    /** Set once the handler leaves the pipeline: what still comes (from listeners of failed writes) passes through. */
    private boolean removed;

    // ---- for the frame writer of the connection above ----

    /** True while this handler is in its pipeline: frames may be appended in place. */
    boolean appending() {
        return ctx != null && !removed;
    }

    /**
     * The buffer to append at least {@code bytes} bytes to (it grows for more): what is held, made
     * if nothing is. Append, then call {@link #appended} with the promise of what was appended.
     * Only while {@link #appending}.
     */
    ByteBuf buffer(int bytes) {
        if (held == null) {
            held = ctx.alloc().directBuffer(Math.max(INITIAL_CAPACITY, bytes));
        } else {
            held.ensureWritable(bytes);
        }
        return held;
    }

    /** What was appended since the last call is the write of {@code promise}. */
    void appended(ChannelPromise promise) {
        addPromise(promise);
        if (held.readableBytes() >= HOLD_LIMIT) {
            writeHeld(ctx);
        }
    }

    /** Writes what is held, then {@code large} (too large to copy) as the write of {@code promise}. */
    void writeThrough(ByteBuf large, ChannelPromise promise) {
        writeHeld(ctx);
        ctx.write(large, promise);
    }

    // ---- channel events ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (removed || !(msg instanceof ByteBuf buf) || buf.readableBytes() > COPY_LIMIT) {
            writeHeld(ctx);
            ctx.write(msg, promise);
            return;
        }
        buffer(buf.readableBytes()).writeBytes(buf);
        buf.release();
        appended(promise);
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

    private void addPromise(ChannelPromise promise) {
        if (promiseCount == promises.length) {
            promises = Arrays.copyOf(promises, promiseCount * 2);
        }
        promises[promiseCount++] = promise;
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
