package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.BackendStats;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
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
 * The balancer's retry policy with real gRPC backends, end to end: what is retried (and with which
 * header), what is not unless the user opted in, and the per-try timeout moving calls off a hanging
 * backend. Clients do not retry on their own. Every retry and timeout path, to the millisecond, is
 * in the in-memory tests ({@code CallRetryTest}, {@code CallTimeoutTest}).
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
