package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.InterceptedBackend;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policies that look at more than the endpoint list, through the proxy with real grpc-java
 * clients and backends: PeakEwma follows latency, ConsistentHash keeps a key on one backend.
 */
class AdaptiveBalancingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Metadata.Key<String> USER = TestService.ascii("x-user-id");

    private TestBackend a;
    private TestBackend b;
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        a.close();
        b.close();
    }

    /**
     * The comparison with LeastRequest under the same load is made on a fake clock
     * ({@code PeakEwmaTest}): on a loaded test machine every backend's latency swings too much
     * for a live one to be fair.
     */
    @Test
    void peakEwmaSendsABackendThatTurnedSlowUnderTenPercentOfTheCalls() {
        AtomicLong delayMillis = new AtomicLong();
        try (InterceptedBackend turning = InterceptedBackend.start("slow", "127.0.0.4", delayBy(delayMillis))) {
            proxy.route(LoadBalancingPolicy.PeakEwma, endpoint(a.address()), endpoint(b.address()),
                    endpoint(turning.address()));
            Map<String, Integer> before = callsPerBackend(600, 4);
            assertThat(before.get("slow")).as("a fast backend gets its share: " + before).isGreaterThan(100);

            delayMillis.set(100);
            callsPerBackend(100, 4); // it turns slow: its first slow answers teach the balancer
            Map<String, Integer> after = callsPerBackend(1_000, 4);

            assertThat(after.getOrDefault("slow", 0)).as(after.toString()).isLessThan(100);
        }
    }

    @Test
    void consistentHashKeepsEveryKeyOnOneBackendAndSpreadsCallsWithoutAKey() {
        proxy.route(config -> config.withLoadBalancing(LoadBalancingOptions.DEFAULT.withConsistentHash(
                        new LoadBalancingOptions.ConsistentHash("x-user-id", 65_537, 1.25))),
                LoadBalancingPolicy.ConsistentHash, List.of(endpoint(a.address()), endpoint(b.address())));
        Map<String, Set<String>> backendsOfKey = new HashMap<>();

        for (int round = 0; round < 3; round++) {
            for (int key = 0; key < 40; key++) {
                CallResult result = client.unary(utf8("k"), RequestHeaders.create().put(USER, "user-" + key).build(),
                        DEADLINE);
                assertThat(result.code()).isEqualTo(Status.Code.OK);
                backendsOfKey.computeIfAbsent("user-" + key, k -> new HashSet<>()).add(result.backendId());
            }
        }
        Map<String, Integer> keyless = callsPerBackend(40, 1);

        assertThat(backendsOfKey.values()).allSatisfy(backends -> assertThat(backends).hasSize(1));
        assertThat(backendsOfKey.values().stream().map(s -> s.iterator().next()).distinct())
                .as("keys spread over both backends").containsExactlyInAnyOrder("a", "b");
        assertThat(keyless).containsExactlyInAnyOrderEntriesOf(Map.of("a", 20, "b", 20));
    }

    /** Every call waits {@code delay} before the backend handles it. */
    private static ServerInterceptor delayBy(AtomicLong delayMillis) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                headers.put(TestService.DELAY_MS, Long.toString(delayMillis.get()));
                return next.startCall(call, headers);
            }
        };
    }

    private Map<String, Integer> callsPerBackend(int calls, int concurrency) {
        return client.callsPerBackend(calls, concurrency, DEADLINE);
    }
}
