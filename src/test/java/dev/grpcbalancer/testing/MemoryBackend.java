package dev.grpcbalancer.testing;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.testing.tls.TestPki;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A gRPC backend at one address of an in-memory test world: each connection the proxy opens to it
 * is a {@link Connection} ({@link Http2Peer}, server side), and every call it receives a
 * {@link Stream} the test answers by hand, or that its {@link #answer} rule answers when the
 * request ends (by default: OK, echoing the request's bytes as one message).
 *
 * <pre>{@code
 * MemoryBackend slow = proxy.backend("10.0.0.1:50051").answer(s -> {});   // never answers
 * MemoryBackend down = proxy.backend("10.0.0.2:50051").refuseConnections();
 * ...
 * slow.streams().get(0).respond(GrpcCode.OK, "late");
 * }</pre>
 */
public final class MemoryBackend {

    /** The default rule: every call is answered OK, its request bytes echoed as the one message. */
    public static final Consumer<Stream> ECHO = stream -> stream.respond(GrpcCode.OK, stream.requestBody());

    private final String address;
    private final List<Connection> connections = new ArrayList<>();
    private final List<Stream> streams = new ArrayList<>();
    private Consumer<Stream> answer = ECHO;
    private boolean refuseConnections;
    private boolean silent;
    private boolean refuseStreams;
    private int maxConcurrentStreams = -1;
    private int initialWindow = -1;
    private int connectsRefused;
    private TestPki.Issued tlsCertificate;

    public MemoryBackend(String address) {
        this.address = address;
    }

    public String address() {
        return address;
    }

    /** What it does with each call once the request has ended. */
    public MemoryBackend answer(Consumer<Stream> rule) {
        this.answer = rule;
        return this;
    }

    /** Connects are refused, as by a port nobody listens on. */
    public MemoryBackend refuseConnections() {
        this.refuseConnections = true;
        return this;
    }

    /** Connections from now on are accepted again. */
    public MemoryBackend acceptConnections() {
        this.refuseConnections = false;
        return this;
    }

    /**
     * Accepts connections and sends nothing on them (a TCP listener that is not a gRPC server, or a
     * backend still starting) until a test calls {@link Connection#sendSettings()}.
     */
    public MemoryBackend silent() {
        this.silent = true;
        return this;
    }

    /** Answers every stream with RST_STREAM(REFUSED_STREAM) as its HEADERS arrive. */
    public MemoryBackend refuseStreams() {
        this.refuseStreams = true;
        return this;
    }

    /** SETTINGS_MAX_CONCURRENT_STREAMS it announces on new connections. */
    public MemoryBackend maxConcurrentStreams(int max) {
        this.maxConcurrentStreams = max;
        return this;
    }

    /** SETTINGS_INITIAL_WINDOW_SIZE it announces on new connections (how much request data it takes per stream). */
    public MemoryBackend initialWindow(int bytes) {
        this.initialWindow = bytes;
        return this;
    }

    /** Speaks TLS with {@code certificate} on the connections it accepts from now on (ALPN h2). */
    public MemoryBackend tls(TestPki.Issued certificate) {
        this.tlsCertificate = certificate;
        return this;
    }

    /** The certificate it serves TLS with, or null for h2c (asked by the test world). */
    public TestPki.Issued tlsCertificate() {
        return tlsCertificate;
    }

    /** Whether a connect now is refused; counts the connects it refuses (called by the test world). */
    public boolean refusesConnection() {
        if (refuseConnections) {
            connectsRefused++;
        }
        return refuseConnections;
    }

    /** Connects refused so far. */
    public int connectsRefused() {
        return connectsRefused;
    }

    /** A new connection from the proxy (called by the test world). */
    public Connection accept() {
        Connection connection = new Connection();
        connections.add(connection);
        return connection;
    }

    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** Every call it received, in order. */
    public List<Stream> streams() {
        return List.copyOf(streams);
    }

    /** The calls whose stream is neither ended nor reset. */
    public List<Stream> openStreams() {
        return streams.stream().filter(s -> !s.closed()).toList();
    }

    /** Cuts every connection (a crash): no GOAWAY, no RST_STREAM. */
    public void crash() {
        for (Connection connection : connections) {
            if (!connection.isClosed()) {
                connection.drop();
            }
        }
    }

    @Override
    public String toString() {
        return "backend " + address + " (" + connections.size() + " connections, " + streams.size() + " streams)";
    }

    /** One connection the proxy opened to this backend. */
    public final class Connection extends Http2Peer {

        private final Map<Integer, Stream> byId = new LinkedHashMap<>();
        private MemoryClient.GoAway goAwayReceived;

        private Connection() {
            super(true);
            if (!silent) {
                sendSettings();
            }
        }

        /**
         * The backend's SETTINGS (sent at once unless the backend is {@link #silent()}): until they
         * arrive the proxy takes the connection as being set up.
         */
        public void sendSettings() {
            List<Integer> settings = new ArrayList<>();
            if (maxConcurrentStreams >= 0) {
                settings.add(SETTINGS_MAX_CONCURRENT_STREAMS);
                settings.add(maxConcurrentStreams);
            }
            if (initialWindow >= 0) {
                settings.add(SETTINGS_INITIAL_WINDOW_SIZE);
                settings.add(initialWindow);
                holdCredit();
            }
            settings(settings.stream().mapToInt(Integer::intValue).toArray());
        }

        public MemoryBackend backend() {
            return MemoryBackend.this;
        }

        public List<Stream> streams() {
            return List.copyOf(byId.values());
        }

        /** The proxy's GOAWAY on this connection, or null. */
        public MemoryClient.GoAway goAwayReceived() {
            return goAwayReceived;
        }

        @Override
        protected void onHeaders(int streamId, Http2Headers headers, boolean endStream) {
            Stream stream = byId.get(streamId);
            if (stream == null) {
                stream = new Stream(this, streamId, headers);
                byId.put(streamId, stream);
                streams.add(stream);
                if (refuseStreams) {
                    stream.reset(Http2Error.REFUSED_STREAM);
                    return;
                }
            } else {
                stream.trailers = headers;
            }
            if (endStream) {
                stream.requestEnded();
            }
        }

        @Override
        protected void onData(int streamId, byte[] data, boolean endStream) {
            Stream stream = byId.get(streamId);
            stream.body.writeBytes(data);
            if (endStream) {
                stream.requestEnded();
            }
        }

        @Override
        protected void onReset(int streamId, long errorCode) {
            Stream stream = byId.get(streamId);
            if (stream != null) {
                stream.resetByProxy = errorCode;
            }
        }

        @Override
        protected void onGoAway(int lastStreamId, long errorCode) {
            goAwayReceived = new MemoryClient.GoAway(lastStreamId, errorCode);
        }
    }

    /** One call this backend received. */
    public static final class Stream {

        private final Connection connection;
        private final int id;
        private final Http2Headers request;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers trailers;
        private boolean requestEnded;
        private boolean responseEnded;
        private boolean resetByUs;
        private Long resetByProxy;

        private Stream(Connection connection, int id, Http2Headers request) {
            this.connection = connection;
            this.id = id;
            this.request = request;
        }

        public int id() {
            return id;
        }

        public Connection connection() {
            return connection;
        }

        public Http2Headers request() {
            return request;
        }

        /** A request header's value, or null. */
        public String header(String name) {
            CharSequence value = request.get(name);
            return value == null ? null : value.toString();
        }

        /** The request's DATA bytes so far. */
        public byte[] requestBody() {
            return body.toByteArray();
        }

        public boolean requestHasEnded() {
            return requestEnded;
        }

        /** The RST_STREAM code the proxy sent on this stream, or null. */
        public Long resetByProxy() {
            return resetByProxy;
        }

        /** Whether nothing more happens on it: the response ended, or either side reset it. */
        public boolean closed() {
            return responseEnded || resetByUs || resetByProxy != null;
        }

        private void requestEnded() {
            requestEnded = true;
            if (resetByProxy == null && !resetByUs) {
                connection.backend().answer.accept(this);
            }
        }

        /** Response headers ({@code :status 200}, {@code content-type: application/grpc}) without ending the stream. */
        public Stream respondHeaders() {
            connection.headers(id, new DefaultHttp2Headers().status("200").set("content-type", "application/grpc"), false);
            return this;
        }

        /** A response message (gRPC framed). */
        public Stream respondMessage(byte[] messageBody) {
            connection.data(id, MemoryClient.message(messageBody), false);
            return this;
        }

        /** Raw DATA bytes (not framed), for tests that cut a message in half. */
        public Stream respondBytes(byte[] bytes, boolean endStream) {
            connection.data(id, bytes, endStream);
            responseEnded |= endStream;
            return this;
        }

        /** Trailers with {@code status}: ends the response. */
        public Stream respondTrailers(GrpcCode status) {
            connection.headers(id, new DefaultHttp2Headers().set("grpc-status", Integer.toString(status.value())), true);
            responseEnded = true;
            return this;
        }

        /** A whole response: headers, one message with {@code messageBody}, trailers with {@code status}. */
        public Stream respond(GrpcCode status, byte[] messageBody) {
            return respondHeaders().respondMessage(messageBody).respondTrailers(status);
        }

        public Stream respond(GrpcCode status, String messageBody) {
            return respond(status, messageBody.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** A trailers-only response: one HEADERS frame with the status, ending the stream. */
        public Stream trailersOnly(GrpcCode status, String message) {
            Http2Headers headers = new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")
                    .set("grpc-status", Integer.toString(status.value()));
            if (message != null) {
                headers.set("grpc-message", message);
            }
            connection.headers(id, headers, true);
            responseEnded = true;
            return this;
        }

        public void reset(Http2Error error) {
            connection.reset(id, error);
            resetByUs = true;
        }

        @Override
        public String toString() {
            return "stream " + id + " on " + connection.backend().address() + " " + request.path();
        }
    }
}
