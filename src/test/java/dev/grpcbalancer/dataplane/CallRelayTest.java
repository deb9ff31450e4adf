package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.RawHttp2Client.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import dev.grpcbalancer.testing.RawHttp2Client;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay of one call on in-memory connections ({@link InMemoryProxy}): frames pass through
 * untouched, resets cross in both directions with the codes the gRPC specification gives, a
 * response that ends before its request ends the request properly, and flow-control credit goes
 * back to a sender only as the reader on the other side takes the data.
 */
class CallRelayTest {

    private static final String A = "10.0.0.1:50051";
    private static final String PATH = "/test.Echo/Unary";

    private final InMemoryProxy proxy = InMemoryProxy.start(c -> c, A);
    private final MemoryBackend backend = proxy.backend(A);

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void unaryCallReachesTheBackendWithItsMetadataAndTheAnswerComesBackWhole() {
        MemoryClient client = proxy.connect();
        Http2Headers request = MemoryClient.grpcRequest(PATH, "x-tenant", "blue", "x-token-bin", "AAEC");

        MemoryClient.Call call = client.unary(request, "hello");
        proxy.run();

        MemoryBackend.Stream seen = backend.streams().get(0);
        assertThat(seen.header("x-tenant")).isEqualTo("blue");
        assertThat(seen.header("x-token-bin")).isEqualTo("AAEC");
        assertThat(seen.header("grpc-timeout")).as("none: the client set no deadline").isNull();
        assertThat(seen.requestBody()).isEqualTo(MemoryClient.message("hello"));
        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(call.body()).as("the response message, as the backend framed it")
                .isEqualTo(MemoryClient.message(MemoryClient.message("hello")));
        assertThat(call.trailersOnly()).isFalse();
        assertThat(proxy.registry().get("grpcbalancer.calls.finished").tag("route", "default")
                .tag("grpc_code", "OK").counter().count()).isEqualTo(1);
    }

    @Test
    void trailersOnlyAnswerReachesTheClientAsTrailersOnly() {
        backend.answer(s -> s.trailersOnly(GrpcCode.PERMISSION_DENIED, "no"));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        assertThat(call.trailersOnly()).isTrue();
        assertThat(call.status()).isEqualTo(GrpcCode.PERMISSION_DENIED);
        assertThat(call.message()).isEqualTo("no");
        assertThat(backend.streams()).hasSize(1);
    }

    @Test
    void clientResetResetsTheBackendStreamWithTheSameCode() {
        backend.answer(s -> { });
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        call.cancel(Http2Error.CANCEL);
        proxy.run();

        assertThat(backend.streams().get(0).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());
        assertThat(proxy.registry().get("grpcbalancer.calls.finished").tag("route", "default")
                .tag("grpc_code", "CANCELLED").counter().count()).isEqualTo(1);
    }

    @Test
    void backendResetBeforeAnyResponseMapsToTheGrpcSpecificationsCodes() {
        assertThat(statusAfterBackendReset(Http2Error.CANCEL)).as("the backend went away")
                .isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(statusAfterBackendReset(Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(GrpcCode.RESOURCE_EXHAUSTED);
        assertThat(statusAfterBackendReset(Http2Error.INTERNAL_ERROR)).isEqualTo(GrpcCode.INTERNAL);
    }

    private GrpcCode statusAfterBackendReset(Http2Error error) {
        backend.answer(s -> s.reset(error));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();
        assertThat(call.trailersOnly()).isTrue();
        assertThat(call.message()).contains("reset the stream (" + error + ")");
        MemoryBackend.Stream stream = backend.streams().get(backend.streams().size() - 1);
        assertThat(stream.resetByProxy()).as("a reset is not answered with a reset").isNull();
        return call.status();
    }

    @Test
    void backendResetInTheMiddleOfAMessageIsPassedOnAsAReset() {
        backend.answer(s -> s.respondHeaders().respondBytes(Arrays.copyOf(MemoryClient.message("half"), 7), false)
                .reset(Http2Error.CANCEL));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        assertThat(call.resetCode()).as("trailers would corrupt the message; the client did not cancel")
                .isEqualTo(Http2Error.INTERNAL_ERROR.code());
        assertThat(call.trailers()).isNull();
    }

    @Test
    void backendResetBetweenMessagesEndsTheResponseWithTrailers() {
        backend.answer(s -> s.respondHeaders().respondMessage(bytes("one")).reset(Http2Error.CANCEL));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        assertThat(call.body()).isEqualTo(MemoryClient.message("one"));
        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).contains("reset the stream (CANCEL)");
    }

    @Test
    void connectionLostMidResponseEndsTheCallUnavailable() {
        backend.answer(s -> s.respondHeaders().respondMessage(bytes("one")));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        backend.crash();
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).contains("closed before the call completed");
        assertThat(backend.streams()).as("not retried: the backend may have run it").hasSize(1);
    }

    /**
     * RFC 9113 8.1: a response may end before its request. The client is asked to stop sending
     * (RST_STREAM NO_ERROR) only after the response's last frame, and the backend's stream, still
     * half-open, is cancelled.
     */
    @Test
    void responseThatEndsBeforeTheRequestEndsTheRequestAfterItsLastFrame() {
        backend.answer(s -> { });
        MemoryClient client = proxy.connect();
        MemoryClient.Call call = client.start(MemoryClient.grpcRequest(PATH), false);
        call.send(MemoryClient.message("first"), false);
        proxy.run();
        backend.streams().get(0).respond(GrpcCode.OK, "done early");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(call.resetCode()).isEqualTo(Http2Error.NO_ERROR.code());
        int trailers = client.frames().indexOf(client.frames(RawHttp2Client.HEADERS, call.id()).get(1));
        int reset = client.frames().indexOf(client.frames(RawHttp2Client.RST_STREAM, call.id()).get(0));
        assertThat(reset).as("the reset follows the trailers").isGreaterThan(trailers);
        assertThat(backend.streams().get(0).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());

        call.send(MemoryClient.message("late"), true); // still in flight from the client: released, credited
        proxy.run();
    }

    @Test
    void requestThatIsNotGrpcGetsTheHttpErrorGrpcSpecifies() {
        Http2Headers plain = new DefaultHttp2Headers().method("POST").scheme("http").authority("t").path(PATH)
                .set("content-type", "text/plain");
        MemoryClient.Call call = proxy.connect().start(plain, true);
        proxy.run();

        assertThat(call.headers().status().toString()).isEqualTo("415");
        assertThat(call.header("grpc-status")).isEqualTo("13");
        assertThat(new String(call.body(), StandardCharsets.UTF_8)).contains("content-type 'text/plain'");
        assertThat(backend.connections()).isEmpty();
    }

    /**
     * The proxy returns a client's credit for request data only once it wrote that data upstream:
     * a backend that stops reading stops the client, through the proxy, with one window between.
     */
    @Test
    void requestCreditGoesBackToTheClientOnlyAsTheBackendTakesTheData() {
        backend.initialWindow(16 * 1024).answer(s -> { });
        MemoryClient client = proxy.connect();
        MemoryClient.Call call = client.start(MemoryClient.grpcRequest(PATH), false);
        call.send(new byte[600 * 1024], false); // past half of the proxy's 1 MiB stream window
        proxy.run();

        MemoryBackend.Stream upstream = backend.streams().get(0);
        assertThat(upstream.requestBody()).as("what the backend's window let through").hasSize(16 * 1024);
        assertThat(credit(client, call.id())).as("credit returned to the client so far").isZero();

        upstream.connection().grantCredit(upstream.id(), 1024 * 1024);
        proxy.run();

        assertThat(upstream.requestBody()).hasSize(600 * 1024);
        assertThat(credit(client, call.id())).as("credit for what reached the backend").isPositive();
    }

    /** The mirror image: response data is credited to the backend only as the client reads it. */
    @Test
    void responseCreditGoesBackToTheBackendOnlyAsTheClientReads() {
        backend.answer(s -> s.respondHeaders().respondBytes(new byte[600 * 1024], false));
        MemoryClient client = proxy.connect();
        client.holdCredit();
        MemoryClient.Call call = client.unary(PATH, "x");
        proxy.run();

        MemoryBackend.Stream upstream = backend.streams().get(0);
        assertThat(call.body()).as("the client's initial window").hasSize(65_535);
        assertThat(credit(upstream.connection(), upstream.id())).isZero();

        client.grantCredit(call.id(), 1024 * 1024);
        proxy.run();

        assertThat(call.body()).hasSize(600 * 1024);
        assertThat(credit(upstream.connection(), upstream.id())).isPositive();
    }

    /** The WINDOW_UPDATE increments the proxy sent {@code peer} for {@code streamId}. */
    private static long credit(dev.grpcbalancer.testing.Http2Peer peer, int streamId) {
        return peer.frames(WINDOW_UPDATE, streamId).stream()
                .mapToLong(f -> ByteBuffer.wrap(f.payload()).getInt() & 0x7FFFFFFFL).sum();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
