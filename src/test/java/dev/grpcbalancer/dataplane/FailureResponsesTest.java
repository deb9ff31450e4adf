package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.GrpcTimeouts;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.RawHttp2Backend;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever goes wrong, the client gets a gRPC status it can act on, in bounded time, end to end with
 * grpc-java: the proxy's own failures (no endpoint, connect errors, a lost backend), the backend's
 * failures and resets, cancellations in both directions, and deadlines, which the backend sees and
 * the proxy enforces. The same paths frame by frame, with a hand-moved clock: {@code CallRelayTest},
 * {@code CallTimeoutTest}.
 */
class FailureResponsesTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    private TestBackend a;
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        proxy = ProxyFixture.start().route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()));
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        a.close();
    }

    @Test
    void noEndpointsAnswersUnavailableNamingTheBalancer() {
        proxy.route(LoadBalancingPolicy.RoundRobin);

        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(result.description()).contains("no endpoints").contains(ProxyFixture.BALANCER.toString());
        assertThat(result.trailersOnly()).isTrue();
    }

    @Test
    void everyEndpointRefusingConnectionsAnswersUnavailableWithTheConnectError() throws IOException {
        proxy.route(LoadBalancingPolicy.RoundRobin, closedPort("127.0.0.3"), closedPort("127.0.0.4"));

        for (int i = 0; i < 5; i++) {
            CallResult result = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);

            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(result.description()).containsIgnoringCase("connection refused");
        }
        assertThat(a.stats().callsStarted()).isZero();
    }

    @Test
    void backendKilledMidCallEndsTheCallUnavailable() {
        a.setBehavior(Behavior.HANG);
        TestCall call = client.startUnary(utf8("x"), RequestHeaders.none(), DEADLINE);
        a.stats().awaitCallsStarted(1, WAIT);

        a.kill(); // RST_STREAM(CANCEL) before any response, then the connection closes
        CallResult result = call.await(PROMPTLY);

        // nothing was answered: a retryable status, as when the connection is lost
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void backendConnectionLostMidCallEndsTheCallUnavailable() {
        try (RawHttp2Backend crashing = RawHttp2Backend.start("127.0.0.3", RawHttp2Backend.Mode.NEVER_ANSWER)) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(crashing.address()));
            TestCall call = client.startUnary(utf8("x"), RequestHeaders.none(), DEADLINE);
            crashing.awaitStreams(1, WAIT);

            crashing.dropConnections();
            CallResult result = call.await(PROMPTLY);

            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(result.description()).contains("closed before the call completed");
            assertThat(crashing.streams()).as("not retried: the request may have been processed").isEqualTo(1);
        }
    }

    @Test
    void clientCancellingALongServerStreamCancelsTheBackendCallPromptly() {
        TestCall call = client.startServerStream(100_000, 16 * 1024, RequestHeaders.none(), null,
                ReadPace.pauseAfterBytes(256 * 1024));
        call.awaitPaused(WAIT);

        call.cancel("the client lost interest");
        a.stats().awaitCallsCancelled(1, PROMPTLY);
        CallResult result = call.await(WAIT);

        assertThat(result.code()).isEqualTo(Status.Code.CANCELLED);
        assertThat(result.streamMismatches()).isZero();
        assertThat(a.stats().inFlight()).isZero();
        assertThat(a.stats().responseMessages()).as("the backend stopped writing").isLessThan(100_000);
    }

    @Test
    void backendFailingAfterItsHeadersGivesTheClientItsStatus() {
        TestCall call = client.start(TestService.BIDI_STREAM, RequestHeaders.create()
                .respondStatus(Status.Code.ABORTED).respondMessage("conflict ✗ 50%").build(), DEADLINE, ReadPace.eager());
        for (int i = 0; i < 5; i++) {
            call.sendWhenReady(utf8("message " + i), WAIT);
        }
        assertThat(call.awaitHeaders(WAIT).get(TestService.BACKEND_ID)).isEqualTo("a");

        call.halfClose();
        CallResult result = call.await(WAIT);

        assertThat(result.code()).isEqualTo(Status.Code.ABORTED);
        assertThat(result.description()).isEqualTo("conflict ✗ 50%");
        assertThat(result.trailers().get(TestService.BACKEND_ID)).isEqualTo("a");
        assertThat(a.stats().requestMessages()).isEqualTo(5);
    }

    @Test
    void backendLostMidStreamEndsTheCallPromptlyWithTheMessagesSoFarIntact() {
        TestCall call = client.startServerStream(100_000, 16 * 1024, RequestHeaders.none(), DEADLINE,
                ReadPace.pauseAfterBytes(256 * 1024));
        call.awaitPaused(WAIT);

        a.kill(); // with a response in flight grpc-java just drops the connection (no RST_STREAM)
        call.resume(); // grpc-java reports the end only after the messages already received
        CallResult result = call.await(PROMPTLY);

        // UNAVAILABLE if the response stopped between two messages; a message cut in half can only
        // end in RST_STREAM (trailers cannot follow half a message), which clients see as INTERNAL
        assertThat(result.code()).as(result.toString()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL);
        assertThat(result.messageCount()).isPositive().isLessThan(100_000);
        assertThat(result.streamMismatches()).isZero();
    }

    @Test
    void deadlineShorterThanTheBackendDelayEndsDeadlineExceededAndCancelsTheBackendCall() {
        long start = System.nanoTime();
        CallResult result = client.unary(utf8("x"), RequestHeaders.create().delay(Duration.ofSeconds(5)).build(),
                Duration.ofMillis(300));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(took).isLessThan(Duration.ofMillis(300).plus(PROMPTLY));
        a.stats().awaitCallsCancelled(1, PROMPTLY);
        assertThat(a.stats().callsCompleted()).isZero();
    }

    @Test
    void backendSeesAGrpcTimeoutNoLargerThanTheClientDeadline() {
        long start = System.nanoTime();
        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5));
        long tookNanos = System.nanoTime() - start;

        assertThat(result.code()).isEqualTo(Status.Code.OK);
        // at most the client's 5 s, and less only by the time that passed before the call reached the backend
        long lowest = TimeUnit.SECONDS.toNanos(5) - tookNanos - TimeUnit.MILLISECONDS.toNanos(1);
        long timeoutNanos = GrpcTimeouts.nanos(result.headers().get(TestService.OBSERVED_GRPC_TIMEOUT));
        assertThat(timeoutNanos).isBetween(lowest, TimeUnit.SECONDS.toNanos(5));
        assertThat(result.observedDeadlineMs()).isPresent();
        assertThat(result.observedDeadlineMs().getAsLong())
                .isBetween(TimeUnit.NANOSECONDS.toMillis(lowest) - 1, 5_000L);
    }

    /** An endpoint on {@code host} where nothing listens: connecting is refused. */
    private static Endpoint closedPort(String host) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        return endpoint(new InetSocketAddress(address, FreePorts.freePort(address)));
    }
}
