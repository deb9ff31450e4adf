package dev.grpcbalancer.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 client that writes frames byte by byte, so tests can send what a well-behaved codec
 * never would (rapid resets, CONTINUATION floods, oversized headers). Blocking, one thread.
 */
public final class RawHttp2Client implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int WINDOW_UPDATE = 0x8;
    public static final int CONTINUATION = 0x9;
    public static final int PRIORITY = 0x2;
    public static final int FLAG_END_STREAM = 0x1;
    public static final int FLAG_ACK = 0x1;
    public static final int FLAG_END_HEADERS = 0x4;
    public static final byte[] CLIENT_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A frame as read from the server. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        public int errorCode() {
            int offset = type == GOAWAY ? 4 : 0;
            return ((payload[offset] & 0xFF) << 24) | ((payload[offset + 1] & 0xFF) << 16)
                    | ((payload[offset + 2] & 0xFF) << 8) | (payload[offset + 3] & 0xFF);
        }

        @Override
        public String toString() {
            String[] names = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
                "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};
            String name = type < names.length ? names[type] : "TYPE_" + type;
            String detail = type == RST_STREAM || type == GOAWAY ? " error=" + errorCode() : "";
            return name + "(stream=" + streamId + " flags=" + flags + " length=" + payload.length + detail + ")";
        }

        /** SETTINGS value of {@code id}, or -1. */
        public long setting(int id) {
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int key = ((payload[i] & 0xFF) << 8) | (payload[i + 1] & 0xFF);
                if (key == id) {
                    return ((long) (payload[i + 2] & 0xFF) << 24) | ((payload[i + 3] & 0xFF) << 16)
                            | ((payload[i + 4] & 0xFF) << 8) | (payload[i + 5] & 0xFF);
                }
            }
            return -1;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    public RawHttp2Client(InetSocketAddress server, Duration readTimeout) throws IOException {
        this(server, readTimeout, 0);
    }

    /**
     * A client whose socket receive buffer is {@code receiveBufferBytes} (0: the system's), e.g.
     * small for a client that does not read, so that the server's writes back up sooner.
     */
    public RawHttp2Client(InetSocketAddress server, Duration readTimeout, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(server, (int) readTimeout.toMillis());
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(CLIENT_PREFACE);
        writeFrame(SETTINGS, 0, 0, new byte[0]);
    }

    /** The request headers of a gRPC call to {@code path}. */
    public static Http2Headers grpcRequest(String path) {
        return new DefaultHttp2Headers()
                .method("POST").scheme("http").authority("test").path(path)
                .set("content-type", "application/grpc")
                .set("te", "trailers");
    }

    public byte[] encode(Http2Headers headers) throws Http2Exception {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(0, headers, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    public void headers(int streamId, Http2Headers headers, boolean endStream) throws IOException, Http2Exception {
        writeFrame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, encode(headers));
    }

    public void data(int streamId, byte[] payload, boolean endStream) throws IOException {
        writeFrame(DATA, endStream ? FLAG_END_STREAM : 0, streamId, payload);
    }

    public void rstStream(int streamId, int errorCode) throws IOException {
        writeFrame(RST_STREAM, 0, streamId, int32(errorCode));
    }

    public void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
        writeRepeated(type, flags, streamId, payload, 1);
    }

    /** Writes the same frame {@code times} times in one socket write (for floods). */
    public void writeRepeated(int type, int flags, int streamId, byte[] payload, int times) throws IOException {
        byte[] frame = frame(type, flags, streamId, payload);
        byte[] frames = new byte[frame.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(frame, 0, frames, i * frame.length, frame.length);
        }
        out.write(frames);
    }

    /** The bytes of one frame: the 9-byte frame header, then {@code payload}. */
    public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        byte[] bytes = new byte[9 + payload.length];
        bytes[0] = (byte) (payload.length >>> 16);
        bytes[1] = (byte) (payload.length >>> 8);
        bytes[2] = (byte) payload.length;
        bytes[3] = (byte) type;
        bytes[4] = (byte) flags;
        System.arraycopy(int32(streamId & 0x7FFFFFFF), 0, bytes, 5, 4);
        System.arraycopy(payload, 0, bytes, 9, payload.length);
        return bytes;
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** The frames that have already arrived (a frame whose header is in blocks for its payload). */
    public List<Frame> readAvailable() throws IOException {
        List<Frame> frames = new ArrayList<>();
        while (in.available() >= 9) {
            Frame frame = read();
            if (frame == null) {
                break;
            }
            frames.add(frame);
        }
        return frames;
    }

    /** The HTTP/2 frames in {@code bytes} (a server's answer read to the end); a cut-off last frame is dropped. */
    public static List<Frame> parse(byte[] bytes) {
        List<Frame> frames = new java.util.ArrayList<>();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.remaining() >= 9) {
            int length = (buf.get() & 0xFF) << 16 | (buf.get() & 0xFF) << 8 | (buf.get() & 0xFF);
            int type = buf.get() & 0xFF;
            int flags = buf.get() & 0xFF;
            int streamId = buf.getInt() & 0x7FFFFFFF;
            if (buf.remaining() < length) {
                break;
            }
            byte[] payload = new byte[length];
            buf.get(payload);
            frames.add(new Frame(type, flags, streamId, payload));
        }
        return frames;
    }

    /** The next frame, or {@code null} when the server closed the connection or the read timed out. */
    public Frame read() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int streamId = in.readInt() & 0x7FFFFFFF;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & FLAG_ACK) == 0) {
                ackSettings();
            }
            return new Frame(type, flags, streamId, payload);
        } catch (EOFException | SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            if (socket.isClosed() || e.getMessage() != null && e.getMessage().contains("reset")) {
                return null;
            }
            throw e;
        }
    }

    private void ackSettings() {
        try {
            writeFrame(SETTINGS, FLAG_ACK, 0, new byte[0]);
            flush();
        } catch (IOException serverAlreadyClosed) {
            // the frames it sent before closing are still worth reading
        }
    }

    /** Reads frames until one matches or the connection ends; returns every frame read. */
    public List<Frame> readUntil(java.util.function.Predicate<Frame> stop) throws IOException {
        List<Frame> frames = new ArrayList<>();
        Frame frame;
        while ((frame = read()) != null) {
            frames.add(frame);
            if (stop.test(frame)) {
                break;
            }
        }
        return frames;
    }

    public Http2Headers decode(Frame headersFrame) throws Http2Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(headersFrame.payload());
        try {
            return decoder.decodeHeaders(headersFrame.streamId(), buf);
        } finally {
            buf.release();
        }
    }

    /** {@code value} as 4 bytes, big-endian, as HTTP/2 writes it. */
    public static byte[] int32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
