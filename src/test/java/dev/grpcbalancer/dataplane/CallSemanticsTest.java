package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.InterceptedBackend;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import dev.grpcbalancer.testing.grpc.TestService.Totals;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a gRPC call is through the proxy, for real grpc-java clients and servers: every call kind,
 * metadata both ways, status codes and messages, trailers-only answers, the authority, messages of
 * many MiB and compressed messages all arrive as the other side sent them, on the backend picked.
 */
class CallSemanticsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MIB = 1024 * 1024;

    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        backends.add(TestBackend.start("a", "127.0.0.2"));
        backends.add(TestBackend.start("b", "127.0.0.3"));
        backends.add(TestBackend.start("c", "127.0.0.4"));
        proxy = ProxyFixture.start().route(LoadBalancingPolicy.RoundRobin,
                backends.stream().map(b -> endpoint(b.address())).toList());
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        backends.forEach(TestBackend::close);
    }

    @Test
    void unaryCallIsAnsweredByTheBackendItReached() {
        CallResult result = client.unary(utf8("hello, backend"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.bodyUtf8()).isEqualTo("hello, backend");
        TestBackend server = servedOnlyBy(result, TestService.UNARY);
        server.stats().awaitCallsCompleted(1, WAIT);
        assertThat(server.stats().requestBytes()).isEqualTo("hello, backend".length());
    }

    @Test
    void serverStreamDeliversEveryMessageInOrder() {
        CallResult result = client.serverStream(100, 1000, RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.messageCount()).isEqualTo(100);
        assertThat(result.byteCount()).isEqualTo(100_000);
        assertThat(result.streamMismatches()).isZero();
        TestBackend server = servedOnlyBy(result, TestService.SERVER_STREAM);
        assertThat(server.stats().responseMessages()).isEqualTo(100);
    }

    @Test
    void clientStreamDeliversEveryMessageToOneBackend() {
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            messages.add(TestService.streamMessage(i, 1000 + i));
        }

        CallResult result = client.clientStream(messages, RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        long bytes = messages.stream().mapToLong(m -> m.length).sum();
        assertThat(Totals.parse(result.body())).isEqualTo(new Totals(50, bytes));
        TestBackend server = servedOnlyBy(result, TestService.CLIENT_STREAM);
        assertThat(server.stats().requestMessages()).isEqualTo(50);
    }

    @Test
    void bidiStreamEchoesEachMessageBeforeTheNextIsSent() {
        TestCall call = client.start(TestService.BIDI_STREAM, RequestHeaders.none(), DEADLINE, ReadPace.eager());
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String message = "ping " + i;
            sent.add(message);
            call.send(utf8(message));
            call.awaitMessages(i + 1, WAIT); // the echo arrives while the request stream is still open
        }
        call.halfClose();
        CallResult result = call.await(WAIT);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.messages()).extracting(TestService::utf8).containsExactlyElementsOf(sent);
        servedOnlyBy(result, TestService.BIDI_STREAM);
    }

    @Test
    void customAsciiAndBinaryMetadataPassBothWays() {
        byte[] token = {0, 1, (byte) 0xff, '\n', ':', 0x7f};
        Metadata headers = RequestHeaders.create()
                .echoMetadata()
                .custom("x-custom-tenant", "blue")
                .custom("x-custom-tenant", "green")
                .custom("x-custom-trace", "span=7; sampled=1")
                .customBinary("x-custom-token-bin", token)
                .build();

        CallResult result = client.unary(utf8("x"), headers, DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        TestBackend server = servedOnlyBy(result, TestService.UNARY);
        Metadata seen = server.stats().lastCall().headers();
        assertThat(seen.getAll(TestService.ascii("x-custom-tenant"))).containsExactly("blue", "green");
        assertThat(seen.get(TestService.binary("x-custom-token-bin"))).isEqualTo(token);
        for (Metadata back : List.of(result.headers(), result.trailers())) {
            assertThat(back.getAll(TestService.ascii("x-custom-tenant"))).containsExactly("blue", "green");
            assertThat(back.get(TestService.ascii("x-custom-trace"))).isEqualTo("span=7; sampled=1");
            assertThat(back.get(TestService.binary("x-custom-token-bin"))).isEqualTo(token);
        }
    }

    @Test
    void everyStatusCodeAndMessageComesBackExactly() {
        String[] messages = {"nicht gefunden: 100% ✓", "line one\nline two\r\n\ttabbed", "emoji 🚀, %41 stays %41",
            "日本語のメッセージ", "%", "trailing space "};
        int i = 0;
        for (Status.Code code : Status.Code.values()) {
            if (code == Status.Code.OK) {
                continue;
            }
            String message = messages[i++ % messages.length] + " [" + code + "]";
            Metadata headers = RequestHeaders.create().respondStatus(code).respondMessage(message).build();

            CallResult result = client.unary(utf8("x"), headers, DEADLINE);

            assertThat(result.code()).as(message).isEqualTo(code);
            assertThat(result.description()).isEqualTo(message);
            assertThat(result.trailersOnly()).isFalse();
            assertThat(result.backendId()).isIn("a", "b", "c");
        }
    }

    @Test
    void trailersOnlyResponseArrivesAsTrailersOnly() {
        Metadata headers = RequestHeaders.create().trailersOnly()
                .respondStatus(Status.Code.PERMISSION_DENIED).respondMessage("kein Zugriff ✗").build();

        CallResult result = client.serverStream(10, 10, headers, DEADLINE);

        assertThat(result.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(result.description()).isEqualTo("kein Zugriff ✗");
        assertThat(result.trailersOnly()).isTrue();
        assertThat(result.messageCount()).isZero();
        servedOnlyBy(result, TestService.SERVER_STREAM);
    }

    @Test
    void backendSeesTheAuthorityTheClientSent() {
        try (TestClient named = TestClient.builder(proxy.address()).authority("echo.team-a.svc:8443").build()) {
            CallResult result = named.unary(utf8("x"), RequestHeaders.none(), DEADLINE);

            TestBackend server = servedOnlyBy(result, TestService.UNARY);
            assertThat(server.stats().lastCall().authority()).isEqualTo("echo.team-a.svc:8443");
        }
        CallResult plain = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);
        TestBackend server = backend(plain.backendId());
        assertThat(server.stats().lastCall().authority()).isEqualTo("127.0.0.1:" + proxy.address().getPort());
    }

    @Test
    void sixteenMebibyteRequestAndResponseArriveIntact() {
        byte[] payload = randomBytes(16 * MIB, 16);

        CallResult result = client.unary(payload, RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.body().length).isEqualTo(payload.length);
        assertThat(sha256(result.body())).isEqualTo(sha256(payload));
        TestBackend server = servedOnlyBy(result, TestService.UNARY);
        assertThat(server.stats().requestBytes()).isEqualTo(16L * MIB);
    }

    @Test
    void clientStreamOfTenMebibyteMessagesArrivesWhole() {
        List<byte[]> messages = List.of(randomBytes(10 * MIB, 1), randomBytes(10 * MIB, 2), randomBytes(10 * MIB, 3));

        CallResult result = client.clientStream(messages, RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(Totals.parse(result.body())).isEqualTo(new Totals(3, 30L * MIB));
        servedOnlyBy(result, TestService.CLIENT_STREAM);
    }

    @Test
    void bidiStreamOfTenMebibyteMessagesEchoesEveryByte() {
        List<byte[]> messages = List.of(randomBytes(10 * MIB, 5), randomBytes(10 * MIB, 6));

        CallResult result = client.bidi(messages, RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.messages()).extracting(CallSemanticsTest::sha256)
                .containsExactlyElementsOf(messages.stream().map(CallSemanticsTest::sha256).toList());
        servedOnlyBy(result, TestService.BIDI_STREAM);
    }

    @Test
    void gzipCompressedRequestReachesTheBackendCompressed() {
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Channel channel = ClientInterceptors.intercept(client.channel(),
                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));
        byte[] payload = utf8("compress me, ".repeat(50_000));

        byte[] echoed = ClientCalls.blockingUnaryCall(channel, TestService.UNARY,
                CallOptions.DEFAULT.withCompression("gzip").withDeadlineAfter(20, TimeUnit.SECONDS), payload);

        assertThat(sha256(echoed)).isEqualTo(sha256(payload));
        TestBackend server = backend(responseHeaders.get().get(TestService.BACKEND_ID));
        Metadata seen = server.stats().lastCall().headers();
        assertThat(seen.get(TestService.ascii("grpc-encoding"))).isEqualTo("gzip");
        assertThat(server.stats().requestBytes()).isEqualTo(payload.length);
    }

    @Test
    void gzipCompressedResponsePassesThroughToTheClient() {
        try (InterceptedBackend gzip = InterceptedBackend.start("gz", "127.0.0.2",
                InterceptedBackend.compressResponses("gzip"))) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(gzip.address()));
            byte[] payload = utf8("squeeze me, ".repeat(50_000));

            CallResult result = client.unary(payload, RequestHeaders.none(), DEADLINE);

            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            assertThat(result.backendId()).isEqualTo("gz");
            assertThat(result.headers().get(TestService.ascii("grpc-encoding"))).isEqualTo("gzip");
            assertThat(sha256(result.body())).isEqualTo(sha256(payload));
            assertThat(gzip.stats().lastCall().headers().get(TestService.ascii("grpc-accept-encoding")))
                    .contains("gzip");
        }
    }

    /** The backend whose id {@code result} carries, after checking that it alone started such a call. */
    private TestBackend servedOnlyBy(CallResult result, MethodDescriptor<?, ?> method) {
        TestBackend server = backend(result.backendId());
        for (TestBackend backend : backends) {
            assertThat(backend.stats().callsStarted(method)).as("%s calls on %s", method.getBareMethodName(), backend.id())
                    .isEqualTo(backend == server ? 1 : 0);
        }
        return server;
    }

    private TestBackend backend(String id) {
        return backends.stream().filter(b -> b.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("answer from unknown backend " + id));
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
