package dev.grpcbalancer.testing;

import dev.grpcbalancer.snapshot.GrpcCode;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gRPC client on an in-memory connection to the proxy ({@link Http2Peer}): it starts calls
 * frame by frame and records what comes back on each. It sends the client preface and an empty
 * SETTINGS frame when created.
 *
 * <pre>{@code
 * MemoryClient client = proxy.connect();
 * MemoryClient.Call call = client.unary("/shop.Greeter/Hello", "hi");
 * proxy.run();
 * assertThat(call.status()).isEqualTo(GrpcCode.OK);
 * }</pre>
 */
public final class MemoryClient extends Http2Peer {

    private final Map<Integer, Call> calls = new LinkedHashMap<>();
    private int nextStream = 1;
    private GoAway goAway;

    /** A GOAWAY the proxy sent. */
    public record GoAway(int lastStreamId, long errorCode) {}

    public MemoryClient() {
        super(false);
        sendRaw(RawHttp2Client.CLIENT_PREFACE);
        settings();
    }

    /** The request headers of a gRPC call to {@code path}. */
    public static Http2Headers grpcRequest(String path) {
        return RawHttp2Client.grpcRequest(path);
    }

    /** A gRPC message: the 5-byte prefix (not compressed, length) and {@code body}. */
    public static byte[] message(byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
    }

    public static byte[] message(String body) {
        return message(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Starts a call: its request HEADERS, ending the request if {@code endStream}. */
    public Call start(Http2Headers headers, boolean endStream) {
        Call call = new Call(nextStream);
        nextStream += 2;
        calls.put(call.id, call);
        headers(call.id, headers, endStream);
        return call;
    }

    /** A unary call to {@code path}: HEADERS, then one message that ends the request. */
    public Call unary(String path, String body) {
        return unary(grpcRequest(path), body);
    }

    public Call unary(Http2Headers headers, String body) {
        Call call = start(headers, false);
        call.send(message(body), true);
        return call;
    }

    public List<Call> calls() {
        return List.copyOf(calls.values());
    }

    /** The proxy's GOAWAY, or null. */
    public GoAway goAwayReceived() {
        return goAway;
    }

    @Override
    protected void onHeaders(int streamId, Http2Headers headers, boolean endStream) {
        Call call = call(streamId);
        if (call.headers == null) {
            call.headers = headers;
            call.trailersOnly = endStream;
        }
        if (endStream) {
            call.trailers = headers;
            call.ended = true;
        }
    }

    @Override
    protected void onData(int streamId, byte[] data, boolean endStream) {
        Call call = call(streamId);
        call.body.writeBytes(data);
        call.dataFrames++;
        if (endStream) {
            call.ended = true;
        }
    }

    @Override
    protected void onReset(int streamId, long errorCode) {
        Call call = call(streamId);
        call.resetCode = errorCode;
        call.ended = true;
    }

    @Override
    protected void onGoAway(int lastStreamId, long errorCode) {
        goAway = new GoAway(lastStreamId, errorCode);
    }

    private Call call(int streamId) {
        Call call = calls.get(streamId);
        if (call == null) {
            throw new AssertionError("a frame for stream " + streamId + ", which this client never opened");
        }
        return call;
    }

    /** One call (HTTP/2 stream) of this client and what the proxy answered so far. */
    public final class Call {

        private final int id;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers headers;
        private Http2Headers trailers;
        private boolean trailersOnly;
        private boolean ended;
        private int dataFrames;
        private Long resetCode;

        private Call(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        /** Request data; the request ends with it if {@code endStream}. */
        public Call send(byte[] bytes, boolean endStream) {
            data(id, bytes, endStream);
            return this;
        }

        /** Resets the stream, as a client that cancels the call does. */
        public void cancel(Http2Error error) {
            reset(id, error);
        }

        /** The first HEADERS of the response, or null. */
        public Http2Headers headers() {
            return headers;
        }

        /** The HEADERS that ended the response, or null. */
        public Http2Headers trailers() {
            return trailers;
        }

        public boolean trailersOnly() {
            return trailersOnly;
        }

        /** Whether the response ended: END_STREAM or RST_STREAM. */
        public boolean ended() {
            return ended;
        }

        /** The RST_STREAM error code the proxy sent, or null. */
        public Long resetCode() {
            return resetCode;
        }

        public byte[] body() {
            return body.toByteArray();
        }

        public int dataFrames() {
            return dataFrames;
        }

        /** The {@code grpc-status} of the trailers; null while there are none. */
        public GrpcCode status() {
            CharSequence value = trailers == null ? null : trailers.get("grpc-status");
            return value == null ? null : GrpcCode.ofValue(Integer.parseInt(value.toString())).orElseThrow();
        }

        /** The decoded {@code grpc-message} of the trailers, or null. */
        public String message() {
            CharSequence value = trailers == null ? null : trailers.get("grpc-message");
            return value == null ? null : URLDecoder.decode(value.toString().replace("+", "%2B"), StandardCharsets.UTF_8);
        }

        /** A response header's value, or null. */
        public String header(String name) {
            CharSequence value = headers == null ? null : headers.get(name);
            return value == null ? null : value.toString();
        }

        @Override
        public String toString() {
            return "call " + id + " (status " + status() + ", message " + message() + ", reset " + resetCode
                    + ", headers " + headers + ", " + body.size() + " body bytes)";
        }
    }

    /** Convenience for building request headers with metadata. */
    public static Http2Headers grpcRequest(String path, String... nameValues) {
        Http2Headers headers = new DefaultHttp2Headers().add(grpcRequest(path));
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            headers.add(nameValues[i], nameValues[i + 1]);
        }
        return headers;
    }
}
