package dev.grpcbalancer.dataplane.http2;

import static io.netty.handler.codec.http2.Http2CodecUtil.FRAME_HEADER_LENGTH;
import static io.netty.handler.codec.http2.Http2CodecUtil.MAX_PADDING;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameSizePolicy;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Writes the frames of a call, HEADERS and DATA, straight into the connection's
 * {@link WriteCoalescer}: the frame header and the HPACK block or payload are written where they
 * will leave, with the caller's promise, and nothing else is made. Netty's
 * {@link DefaultHttp2FrameWriter} writes each frame as two or three buffers (a pooled frame header,
 * a slice of the header block or payload, padding), each with a promise of a promise aggregator,
 * each passed down the pipeline. Without the coalescer in the pipeline (none was given, or it is
 * gone with a closing channel) each frame goes down the pipeline as one buffer.
 *
 * <p>The rare frames (SETTINGS, PING, RST_STREAM, GOAWAY, WINDOW_UPDATE, PRIORITY, unknown types,
 * and DATA with padding, which the proxy never sends) go to a {@link DefaultHttp2FrameWriter}: they
 * carry no header block, so its HPACK state is never used, and they go down the same pipeline, in
 * order with the frames written here.
 *
 * <p>Like Netty's, a write takes ownership of the buffers given to it, and an error fails the
 * write's promise: invalid arguments, or an encoding error (a header list over the peer's limit).
 *
 * <p>Confined to the connection's event loop.
 */
final class FrameWriter implements Http2FrameWriter, Http2FrameWriter.Configuration, Http2FrameSizePolicy {

    /** Largest priority field: stream dependency (4 bytes) and weight (1). */
    private static final int PRIORITY_BYTES = 5;

    private final WriteCoalescer coalescer;
    private final Http2HeadersEncoder headersEncoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2FrameWriter others = new DefaultHttp2FrameWriter();
    private int maxFrameSize = Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE;

    /** @param coalescer the handler right below the connection in its pipeline, or null if there is none */
    FrameWriter(WriteCoalescer coalescer) {
        this.coalescer = coalescer;
    }

    // ---- HEADERS ----

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endStream, ChannelPromise promise) {
        return writeHeaders(ctx, streamId, headers, false, 0, (short) 0, false, padding, endStream, promise);
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int streamDependency, short weight, boolean exclusive, int padding, boolean endStream,
            ChannelPromise promise) {
        return writeHeaders(ctx, streamId, headers, true, streamDependency, weight, exclusive, padding, endStream,
                promise);
    }

    @Override
    public ChannelFuture writePushPromise(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
            Http2Headers headers, int padding, ChannelPromise promise) {
        // it would need the header block of this writer's HPACK state; a proxy that never pushes has no use for it
        return promise.setFailure(new UnsupportedOperationException("the proxy does not push"));
    }

    private ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            boolean hasPriority, int streamDependency, short weight, boolean exclusive, int padding,
            boolean endStream, ChannelPromise promise) {
        if (streamId <= 0 || padding < 0 || padding > MAX_PADDING
                || hasPriority && (streamDependency < 0 || weight < 1 || weight > 256)) {
            return promise.setFailure(new IllegalArgumentException("HEADERS: stream " + streamId + ", padding "
                    + padding + ", dependency " + streamDependency + ", weight " + weight));
        }
        boolean appending = appending();
        ByteBuf out = appending ? coalescer.buffer(256) : ctx.alloc().buffer(256);
        int frameStart = out.writerIndex();
        // fields before the block: pad length, then the priority; then the block; then the padding
        int fieldBytes = (padding > 0 ? 1 : 0) + (hasPriority ? PRIORITY_BYTES : 0);
        out.writerIndex(frameStart + FRAME_HEADER_LENGTH);
        if (padding > 0) {
            out.writeByte(padding - 1);
        }
        if (hasPriority) {
            out.writeInt(exclusive ? 0x80000000 | streamDependency : streamDependency);
            out.writeByte(weight - 1);
        }
        int blockStart = out.writerIndex();
        try {
            headersEncoder.encodeHeaders(streamId, headers, out);
        } catch (Http2Exception | RuntimeException e) {
            return discard(appending, out, frameStart, promise, e);
        }
        int blockBytes = out.writerIndex() - blockStart;
        int paddingBytes = padding > 0 ? padding - 1 : 0;
        int maxFragment = maxFrameSize - fieldBytes - paddingBytes;
        Http2Flags flags = new Http2Flags().endOfStream(endStream).priorityPresent(hasPriority)
                .paddingPresent(padding > 0);
        if (blockBytes <= maxFragment) {
            flags.endOfHeaders(true);
            setFrameHeader(out, frameStart, fieldBytes + blockBytes + paddingBytes, Http2FrameTypes.HEADERS, flags,
                    streamId);
            out.writeZero(paddingBytes);
        } else {
            splitIntoContinuations(out, frameStart, fieldBytes, blockStart, blockBytes, paddingBytes, maxFragment,
                    flags, streamId);
        }
        return done(ctx, appending, out, promise);
    }

    /**
     * A header block too long for one frame: the HEADERS frame takes what fits, CONTINUATION frames
     * the rest (RFC 9113, 6.10). Rare (a block over the peer's frame size, 16 KiB at least), so the
     * block is moved out and back rather than laid out ahead.
     */
    private void splitIntoContinuations(ByteBuf out, int frameStart, int fieldBytes, int blockStart, int blockBytes,
            int paddingBytes, int maxFragment, Http2Flags flags, int streamId) {
        ByteBuf rest = out.alloc().buffer(blockBytes - maxFragment);
        try {
            out.getBytes(blockStart + maxFragment, rest, blockBytes - maxFragment);
            out.writerIndex(blockStart + maxFragment);
            setFrameHeader(out, frameStart, fieldBytes + maxFragment + paddingBytes, Http2FrameTypes.HEADERS, flags,
                    streamId);
            out.writeZero(paddingBytes);
            Http2Flags continuation = new Http2Flags();
            while (rest.isReadable()) {
                int fragment = Math.min(rest.readableBytes(), maxFrameSize);
                continuation.endOfHeaders(fragment == rest.readableBytes());
                writeFrameHeader(out, fragment, Http2FrameTypes.CONTINUATION, continuation, streamId);
                out.writeBytes(rest, fragment);
            }
        } finally {
            rest.release();
        }
    }

    // ---- DATA ----

    @Override
    public ChannelFuture writeData(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
            boolean endStream, ChannelPromise promise) {
        if (padding != 0) {
            return others.writeData(ctx, streamId, data, padding, endStream, promise);
        }
        if (streamId <= 0) {
            data.release();
            return promise.setFailure(new IllegalArgumentException("DATA on stream " + streamId));
        }
        boolean appending = appending();
        Http2Flags flags = new Http2Flags();
        int size = data.readableBytes();
        if (size <= WriteCoalescer.COPY_LIMIT) {
            // one frame, copied behind its header: smaller than the largest frame (16 KiB at least)
            ByteBuf out = appending ? coalescer.buffer(FRAME_HEADER_LENGTH + size)
                    : ctx.alloc().buffer(FRAME_HEADER_LENGTH + size);
            writeFrameHeader(out, size, Http2FrameTypes.DATA, flags.endOfStream(endStream), streamId);
            out.writeBytes(data);
            data.release();
            return done(ctx, appending, out, promise);
        }
        // large: headers in front of slices of the payload, never copied
        while (true) {
            int frame = Math.min(data.readableBytes(), maxFrameSize);
            boolean last = frame == data.readableBytes();
            flags.endOfStream(endStream && last);
            ByteBuf header = appending ? coalescer.buffer(FRAME_HEADER_LENGTH) : ctx.alloc().buffer(FRAME_HEADER_LENGTH);
            writeFrameHeader(header, frame, Http2FrameTypes.DATA, flags, streamId);
            ByteBuf payload = last ? data : data.readRetainedSlice(frame);
            if (appending) {
                coalescer.writeThrough(payload, last ? promise : ctx.newPromise());
            } else {
                ctx.write(header, ctx.newPromise());
                ctx.write(payload, last ? promise : ctx.newPromise());
            }
            if (last) {
                return promise;
            }
        }
    }

    // ---- the rare frames ----

    @Override
    public ChannelFuture writePriority(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
            boolean exclusive, ChannelPromise promise) {
        return others.writePriority(ctx, streamId, streamDependency, weight, exclusive, promise);
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
            ChannelPromise promise) {
        return others.writeRstStream(ctx, streamId, errorCode, promise);
    }

    @Override
    public ChannelFuture writeSettings(ChannelHandlerContext ctx, Http2Settings settings, ChannelPromise promise) {
        return others.writeSettings(ctx, settings, promise);
    }

    @Override
    public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
        return others.writeSettingsAck(ctx, promise);
    }

    @Override
    public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
        return others.writePing(ctx, ack, data, promise);
    }

    @Override
    public ChannelFuture writeGoAway(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData,
            ChannelPromise promise) {
        return others.writeGoAway(ctx, lastStreamId, errorCode, debugData, promise);
    }

    @Override
    public ChannelFuture writeWindowUpdate(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement,
            ChannelPromise promise) {
        return others.writeWindowUpdate(ctx, streamId, windowSizeIncrement, promise);
    }

    @Override
    public ChannelFuture writeFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
            ByteBuf payload, ChannelPromise promise) {
        return others.writeFrame(ctx, frameType, streamId, flags, payload, promise);
    }

    // ---- configuration: the peer's SETTINGS, applied by the connection encoder ----

    @Override
    public Configuration configuration() {
        return this;
    }

    @Override
    public Http2HeadersEncoder.Configuration headersConfiguration() {
        return headersEncoder.configuration();
    }

    @Override
    public Http2FrameSizePolicy frameSizePolicy() {
        return this;
    }

    @Override
    public void maxFrameSize(int max) throws Http2Exception {
        if (!Http2CodecUtil.isMaxFrameSizeValid(max)) {
            throw Http2Exception.connectionError(Http2Error.FRAME_SIZE_ERROR,
                    "Invalid MAX_FRAME_SIZE specified in sent settings: %d", max);
        }
        maxFrameSize = max;
        others.maxFrameSize(max); // it splits padded DATA
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    public void close() {
        others.close();
    }

    // ---- output ----

    private boolean appending() {
        return coalescer != null && coalescer.appending();
    }

    private ChannelFuture done(ChannelHandlerContext ctx, boolean appending, ByteBuf out, ChannelPromise promise) {
        if (appending) {
            coalescer.appended(promise);
            return promise;
        }
        return ctx.write(out, promise);
    }

    /** An encoding error: what this frame appended is taken back, nothing of it is written. */
    private static ChannelFuture discard(boolean appending, ByteBuf out, int frameStart, ChannelPromise promise,
            Exception cause) {
        if (appending) {
            out.writerIndex(frameStart);
        } else {
            out.release();
        }
        return promise.setFailure(cause);
    }

    private static void writeFrameHeader(ByteBuf out, int payloadBytes, byte type, Http2Flags flags, int streamId) {
        out.writeMedium(payloadBytes);
        out.writeByte(type);
        out.writeByte(flags.value());
        out.writeInt(streamId);
    }

    private static void setFrameHeader(ByteBuf out, int at, int payloadBytes, byte type, Http2Flags flags,
            int streamId) {
        out.setMedium(at, payloadBytes);
        out.setByte(at + 3, type);
        out.setByte(at + 4, flags.value());
        out.setInt(at + 5, streamId);
    }
}
