package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Timeouts;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.BackendStats;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The balancer's retry policy and timeouts with real gRPC backends: what is retried (and with
 * which header), what is not unless the user opted in, per-try and request timeouts, and the
 * stream idle timeout. Clients do not retry on their own.
 */
class RetryAndTimeoutTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> PREVIOUS_ATTEMPTS =
            Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);

    private ProxyFixture proxy;
    private TestClient client;
    private TestBackend failing;
    private TestBackend healthy;

    @BeforeEach
    void start() {
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
        failing = TestBackend.start("failing", "127.0.0.2");
        healthy = TestBackend.start("healthy", "127.0.0.3");
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        failing.close();
        healthy.close();
    }

    @Test
    void unavailableAnswerIsRetriedOnAnotherEndpointWhenOptedIn() {
        failing.setBehavior(Behavior.FAIL_UNAVAILABLE);
        route(c -> c.withRetry(retry(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO)));

        List<CallResult> results = unaryCalls(40);

        assertThat(results).allSatisfy(r -> {
            assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK);
            assertThat(r.backendId()).isEqualTo("healthy");
        });
        long retried = failing.stats().callsStarted();
        assertThat(retried).as("calls that met the failing backend first").isPositive();
        assertThat(attemptHeaders(healthy.stats())).as("grpc-previous-rpc-attempts seen by the healthy backend")
                .containsOnly("none", "1").filteredOn("1"::equals).hasSize((int) retried);
    }

    @Test
    void unavailableAnswerReachesTheClientWithTheDefaultPolicy() {
        failing.setBehavior(Behavior.FAIL_UNAVAILABLE);
        route(c -> c);

        List<CallResult> results = unaryCalls(40);

        assertThat(results).extracting(CallResult::code).contains(Status.Code.UNAVAILABLE, Status.Code.OK);
        assertThat(results.stream().filter(r -> r.code() == Status.Code.UNAVAILABLE).count())
                .isEqualTo(failing.stats().callsStarted());
        assertThat(attemptHeaders(healthy.stats())).containsOnly("none");
    }

    @Test
    void perTryTimeoutMovesCallsOffAHangingBackend() {
        failing.setBehavior(Behavior.HANG);
        route(c -> c.withRetry(retry(2, Set.of(), Duration.ofMillis(200))));

        List<CallResult> results = unaryCalls(20);

        assertThat(results).allSatisfy(r -> {
            assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK);
            assertThat(r.backendId()).isEqualTo("healthy");
        });
        assertThat(failing.stats().callsStarted()).isPositive();
        failing.stats().awaitInFlight(0, WAIT); // the abandoned attempts were cancelled
    }

    @Test
    void perTryTimeoutWithoutRetriesLeftEndsTheCallWithDeadlineExceeded() {
        failing.setBehavior(Behavior.HANG);
        healthy.setBehavior(Behavior.HANG);
        route(c -> c.withRetry(retry(1, Set.of(), Duration.ofMillis(150))));

        long started = System.nanoTime();
        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(result.description()).contains("per-try timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(failing.stats().callsStarted() + healthy.stats().callsStarted()).isEqualTo(2);
    }

    @Test
    void requestTimeoutEndsACallWithoutItsOwnDeadline() {
        healthy.setBehavior(Behavior.HANG);
        route(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ofMillis(300), Duration.ofHours(1))),
                healthy);

        long started = System.nanoTime();
        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), null);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(result.description()).contains("request timeout of 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(healthy.stats().lastCall().deadlineMs().orElse(-1)).as("the backend got the request timeout as grpc-timeout")
                .isBetween(1L, 300L);
    }

    @Test
    void shorterClientDeadlineWinsOverTheRequestTimeout() {
        healthy.setBehavior(Behavior.HANG);
        route(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ofSeconds(20), Duration.ofHours(1))),
                healthy);

        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), Duration.ofMillis(300));

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(healthy.stats().lastCall().deadlineMs().orElse(-1)).isBetween(1L, 999L);
    }

    @Test
    void idleCallIsEndedByTheStreamIdleTimeout() {
        healthy.setBehavior(Behavior.HANG);
        route(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ofMillis(300))), healthy);

        CallResult result = client.unary(utf8("x"), RequestHeaders.none(), null);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(result.description()).contains("no frame in either direction for 300 ms");
        healthy.stats().awaitCallsCancelled(1, WAIT);
    }

    @Test
    void streamWithTrafficOutlivesTheStreamIdleTimeout() {
        route(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ofMillis(300))), healthy);

        TestCall chat = client.start(TestService.BIDI_STREAM, RequestHeaders.none(), DEADLINE, ReadPace.eager());
        long started = System.nanoTime();
        int sent = 0;
        while (System.nanoTime() - started < Duration.ofMillis(1500).toNanos()) {
            chat.send(utf8("tick " + sent++));
            chat.awaitMessages(sent, WAIT);
            long echoed = System.nanoTime();
            Await.until(WAIT, () -> System.nanoTime() - echoed >= Duration.ofMillis(100).toNanos(), () -> "a pause");
        }
        chat.halfClose();
        CallResult result = chat.await(WAIT);

        assertThat(result.code()).as("a call with a frame every ~100 ms for 1.5 s: " + result).isEqualTo(Status.Code.OK);
        assertThat(result.messages()).hasSize(sent);
    }

    static RetryPolicy retry(int numRetries, Set<GrpcCode> retryOn, Duration perTryTimeout) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        return new RetryPolicy(numRetries, retryOn, perTryTimeout, d.backoffBase(), d.backoffMax(), 100, 1000,
                d.replayBufferBytes());
    }

    private void route(UnaryOperator<BalancerConfig> tune) {
        proxy.route(tune, LoadBalancingPolicy.RoundRobin, List.of(endpoint(failing.address()), endpoint(healthy.address())));
    }

    private void route(UnaryOperator<BalancerConfig> tune, TestBackend only) {
        proxy.route(tune, LoadBalancingPolicy.RoundRobin, List.of(endpoint(only.address())));
    }

    private List<CallResult> unaryCalls(int n) {
        List<TestCall> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.startUnary(utf8("call " + i), RequestHeaders.none(), DEADLINE));
        }
        List<CallResult> results = new ArrayList<>();
        for (TestCall call : calls) {
            results.add(call.await(WAIT));
        }
        return results;
    }

    private static List<String> attemptHeaders(BackendStats stats) {
        return stats.recentCalls().stream().map(c -> {
            String value = c.headers().get(PREVIOUS_ATTEMPTS);
            return value == null ? "none" : value;
        }).toList();
    }
}
