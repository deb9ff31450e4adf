package dev.grpcbalancer.testing;

import static dev.grpcbalancer.testing.RawHttp2Client.CONTINUATION;
import static dev.grpcbalancer.testing.RawHttp2Client.DATA;
import static dev.grpcbalancer.testing.RawHttp2Client.FLAG_ACK;
import static dev.grpcbalancer.testing.RawHttp2Client.FLAG_END_HEADERS;
import static dev.grpcbalancer.testing.RawHttp2Client.FLAG_END_STREAM;
import static dev.grpcbalancer.testing.RawHttp2Client.GOAWAY;
import static dev.grpcbalancer.testing.RawHttp2Client.HEADERS;
import static dev.grpcbalancer.testing.RawHttp2Client.PING;
import static dev.grpcbalancer.testing.RawHttp2Client.RST_STREAM;
import static dev.grpcbalancer.testing.RawHttp2Client.SETTINGS;
import static dev.grpcbalancer.testing.RawHttp2Client.WINDOW_UPDATE;

import dev.grpcbalancer.testing.RawHttp2Client.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One end of an in-memory HTTP/2 connection whose other end is the proxy, written frame by frame
 * with the raw helpers of {@link RawHttp2Client}: a test can send what it likes, and sees every
 * frame the proxy sent ({@link #frames()}). No socket, no thread: the test world hands it the
 * bytes the proxy wrote ({@link #receive}) and takes what it wants to send ({@link #poll}).
 *
 * <p>It answers SETTINGS and PING, and by default gives back flow-control credit for every DATA
 * frame at once, as a fast reader does; {@link #holdCredit} makes it a reader that has stopped,
 * and {@link #grantCredit} gives credit by hand. Not thread-safe: a test drives it from one thread.
 */
public abstract class Http2Peer {

    /** SETTINGS_INITIAL_WINDOW_SIZE. */
    public static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    /** SETTINGS_MAX_CONCURRENT_STREAMS. */
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    private static final int MAX_FRAME_PAYLOAD = 16_384;

    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final List<Frame> frames = new ArrayList<>();
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    private byte[] pending = new byte[0];
    private boolean expectPreface;
    private ByteArrayOutputStream headerBlock;
    private int headerBlockStream;
    private boolean headerBlockEndsStream;
    private boolean holdCredit;
    private boolean frozen;
    private boolean stoppedReading;
    private boolean closed;
    /** Our own first SETTINGS went out: an HTTP/2 endpoint sends nothing before them. */
    private boolean settingsSent;
    /** Acknowledgements of the proxy's SETTINGS that wait for our own. */
    private int acksOwed;
    private Runnable dropper;

    /** @param expectPreface the peer is a server: the bytes it receives start with the client preface */
    protected Http2Peer(boolean expectPreface) {
        this.expectPreface = expectPreface;
    }

    // ---- the connection ----

    /** The proxy wrote {@code bytes} on this connection (released here). */
    public final void receive(ByteBuf bytes) {
        try {
            byte[] more = new byte[bytes.readableBytes()];
            bytes.readBytes(more);
            byte[] all = Arrays.copyOf(pending, pending.length + more.length);
            System.arraycopy(more, 0, all, pending.length, more.length);
            pending = all;
        } finally {
            bytes.release();
        }
        int offset = 0;
        if (expectPreface) {
            if (pending.length < RawHttp2Client.CLIENT_PREFACE.length) {
                return;
            }
            if (!Arrays.equals(Arrays.copyOf(pending, RawHttp2Client.CLIENT_PREFACE.length), RawHttp2Client.CLIENT_PREFACE)) {
                throw new AssertionError("the proxy did not start with the HTTP/2 client preface");
            }
            offset = RawHttp2Client.CLIENT_PREFACE.length;
            expectPreface = false;
        }
        while (pending.length - offset >= 9) {
            int length = (pending[offset] & 0xFF) << 16 | (pending[offset + 1] & 0xFF) << 8 | (pending[offset + 2] & 0xFF);
            if (pending.length - offset - 9 < length) {
                break;
            }
            int streamId = ((pending[offset + 5] & 0x7F) << 24) | ((pending[offset + 6] & 0xFF) << 16)
                    | ((pending[offset + 7] & 0xFF) << 8) | (pending[offset + 8] & 0xFF);
            Frame frame = new Frame(pending[offset + 3] & 0xFF, pending[offset + 4] & 0xFF, streamId,
                    Arrays.copyOfRange(pending, offset + 9, offset + 9 + length));
            offset += 9 + length;
            onFrame(frame);
        }
        pending = Arrays.copyOfRange(pending, offset, pending.length);
    }

    /** The next bytes this peer sends the proxy, or null. */
    public final byte[] poll() {
        return outbox.poll();
    }

    /** Every frame the proxy sent on this connection, in order. */
    public final List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The frames of {@code type} the proxy sent on {@code streamId}. */
    public final List<Frame> frames(int type, int streamId) {
        return frames.stream().filter(f -> f.type() == type && f.streamId() == streamId).toList();
    }

    /** Whether the connection has closed (either side). */
    public final boolean isClosed() {
        return closed;
    }

    /** Called by the test world: the proxy's side of the connection closed. */
    public final void closedByProxy() {
        if (!closed) {
            closed = true;
            onClosed();
        }
    }

    /** Called by the test world: how to cut the connection (below HTTP/2, as a crash does). */
    public final void dropWith(Runnable drop) {
        this.dropper = drop;
    }

    /** Cuts the connection without GOAWAY or RST_STREAM: a crashed process, a broken network. */
    public final void drop() {
        if (dropper == null) {
            throw new IllegalStateException("not connected");
        }
        closed = true;
        outbox.clear();
        dropper.run();
        onClosed();
    }

    /**
     * Sends nothing more, not even PING or SETTINGS acknowledgements, and drops what was not sent
     * yet: a peer behind a network partition, whose connection stays open.
     */
    public final void freeze() {
        frozen = true;
        outbox.clear();
    }

    /**
     * Reads nothing more (a process that hangs with its socket open, whose receive buffer has
     * filled): what the proxy writes on this connection no longer leaves the proxy, and its writes
     * do not complete.
     */
    public final void stopReading() {
        stoppedReading = true;
    }

    /** Whether the proxy's writes on this connection still leave it ({@link #stopReading}). */
    public final boolean isReading() {
        return !stoppedReading;
    }

    /** Stops giving flow-control credit back: a reader that has stopped reading. */
    public final void holdCredit() {
        holdCredit = true;
    }

    /** Gives {@code bytes} of credit on {@code streamId} and on the connection. */
    public final void grantCredit(int streamId, int bytes) {
        windowUpdate(streamId, bytes);
        windowUpdate(0, bytes);
    }

    // ---- sending ----

    public final void send(int type, int flags, int streamId, byte[] payload) {
        if (frozen) {
            return;
        }
        sendRaw(RawHttp2Client.frame(type, flags, streamId, payload));
    }

    /** Bytes as they are (the client preface). */
    protected final void sendRaw(byte[] bytes) {
        if (!closed) {
            outbox.add(bytes);
        }
    }

    public final void settings(int... idValuePairs) {
        byte[] payload = new byte[idValuePairs.length / 2 * 6];
        for (int i = 0; i + 1 < idValuePairs.length; i += 2) {
            int at = i / 2 * 6;
            payload[at] = (byte) (idValuePairs[i] >>> 8);
            payload[at + 1] = (byte) idValuePairs[i];
            System.arraycopy(RawHttp2Client.int32(idValuePairs[i + 1]), 0, payload, at + 2, 4);
        }
        send(SETTINGS, 0, 0, payload);
        if (!settingsSent) {
            settingsSent = true;
            for (; acksOwed > 0; acksOwed--) {
                send(SETTINGS, FLAG_ACK, 0, new byte[0]);
            }
        }
    }

    public final void headers(int streamId, Http2Headers headers, boolean endStream) {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            send(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, bytes);
        } catch (Http2Exception e) {
            throw new IllegalArgumentException(e);
        } finally {
            block.release();
        }
    }

    /** DATA frames of at most 16 KiB carrying {@code bytes}; the last ends the stream if {@code endStream}. */
    public final void data(int streamId, byte[] bytes, boolean endStream) {
        int offset = 0;
        do {
            int length = Math.min(MAX_FRAME_PAYLOAD, bytes.length - offset);
            boolean last = offset + length == bytes.length;
            send(DATA, last && endStream ? FLAG_END_STREAM : 0, streamId, Arrays.copyOfRange(bytes, offset, offset + length));
            offset += length;
        } while (offset < bytes.length);
    }

    public final void reset(int streamId, Http2Error error) {
        send(RST_STREAM, 0, streamId, RawHttp2Client.int32((int) error.code()));
    }

    public final void goAway(int lastStreamId, Http2Error error) {
        byte[] payload = new byte[8];
        System.arraycopy(RawHttp2Client.int32(lastStreamId), 0, payload, 0, 4);
        System.arraycopy(RawHttp2Client.int32((int) error.code()), 0, payload, 4, 4);
        send(GOAWAY, 0, 0, payload);
    }

    public final void windowUpdate(int streamId, int increment) {
        send(WINDOW_UPDATE, 0, streamId, RawHttp2Client.int32(increment));
    }

    // ---- what the proxy sent ----

    protected abstract void onHeaders(int streamId, Http2Headers headers, boolean endStream);

    /** A DATA frame carrying {@code data}. */
    protected abstract void onData(int streamId, byte[] data, boolean endStream);

    protected abstract void onReset(int streamId, long errorCode);

    protected void onGoAway(int lastStreamId, long errorCode) {
    }

    /** The proxy's SETTINGS (not an acknowledgement). */
    protected void onSettings(Frame settings) {
    }

    protected void onClosed() {
    }

    private void onFrame(Frame frame) {
        frames.add(frame);
        switch (frame.type()) {
            case SETTINGS -> {
                if ((frame.flags() & FLAG_ACK) == 0) {
                    if (settingsSent) {
                        send(SETTINGS, FLAG_ACK, 0, new byte[0]);
                    } else {
                        acksOwed++;
                    }
                    onSettings(frame);
                }
            }
            case PING -> {
                if ((frame.flags() & FLAG_ACK) == 0 && settingsSent) {
                    send(PING, FLAG_ACK, 0, frame.payload());
                }
            }
            case HEADERS -> {
                if ((frame.flags() & 0x28) != 0) { // PADDED or PRIORITY: the proxy never sends them
                    throw new AssertionError("unexpected HEADERS flags " + frame.flags());
                }
                headerBlock = new ByteArrayOutputStream();
                headerBlock.writeBytes(frame.payload());
                headerBlockStream = frame.streamId();
                headerBlockEndsStream = (frame.flags() & FLAG_END_STREAM) != 0;
                if ((frame.flags() & FLAG_END_HEADERS) != 0) {
                    headerBlockDone();
                }
            }
            case CONTINUATION -> {
                headerBlock.writeBytes(frame.payload());
                if ((frame.flags() & FLAG_END_HEADERS) != 0) {
                    headerBlockDone();
                }
            }
            case DATA -> {
                int length = frame.payload().length;
                if (length > 0 && !holdCredit) {
                    grantCredit(frame.streamId(), length);
                }
                onData(frame.streamId(), frame.payload(), (frame.flags() & FLAG_END_STREAM) != 0);
            }
            case RST_STREAM -> onReset(frame.streamId(), Integer.toUnsignedLong(frame.errorCode()));
            case GOAWAY -> {
                byte[] p = frame.payload();
                int last = ((p[0] & 0x7F) << 24) | ((p[1] & 0xFF) << 16) | ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
                onGoAway(last, Integer.toUnsignedLong(frame.errorCode()));
            }
            default -> {
                // WINDOW_UPDATE and the rest: recorded in frames() for the tests that care
            }
        }
    }

    private void headerBlockDone() {
        ByteBuf block = Unpooled.wrappedBuffer(headerBlock.toByteArray());
        Http2Headers headers;
        try {
            headers = decoder.decodeHeaders(headerBlockStream, block);
        } catch (Http2Exception e) {
            throw new AssertionError("the proxy sent a header block that does not decode", e);
        } finally {
            block.release();
        }
        headerBlock = null;
        onHeaders(headerBlockStream, headers, headerBlockEndsStream);
    }
}
