package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.InterceptedBackend;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every call is its own balancing decision: the calls of ONE client connection (one grpc-java
 * channel) spread over the backends as the policy says, which an L4 balancer cannot do.
 */
class BalancingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestBackend a;
    private TestBackend b;
    private TestBackend c;
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        c = TestBackend.start("c", "127.0.0.4");
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        a.close();
        b.close();
        c.close();
    }

    @Test
    void roundRobinSplitsTheCallsOfOneConnectionExactlyEvenly() {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()), endpoint(b.address()), endpoint(c.address()));

        Map<String, Integer> served = callsPerBackend(300, 300);

        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("a", 100, "b", 100, "c", 100));
        assertThat(List.of(a.stats().callsStarted(), b.stats().callsStarted(), c.stats().callsStarted()))
                .containsExactly(100L, 100L, 100L);
    }

    @Test
    void weightedRoundRobinGivesEachEndpointExactlyItsWeightPerCycle() {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(a.address(), 1, EndpointState.READY),
                endpoint(b.address(), 2, EndpointState.READY), endpoint(c.address(), 3, EndpointState.READY));

        Map<String, Integer> served = callsPerBackend(600, 300);

        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("a", 100, "b", 200, "c", 300));
    }

    @Test
    void randomGivesEveryEndpointAFairShare() {
        proxy.route(LoadBalancingPolicy.Random, endpoint(a.address()), endpoint(b.address()), endpoint(c.address()));

        Map<String, Integer> served = callsPerBackend(600, 300);

        assertThat(served).containsOnlyKeys("a", "b", "c");
        // expected 200 each; 90 (15%) is more than 9 standard deviations below
        assertThat(served.values()).allSatisfy(count -> assertThat(count).isGreaterThan(90));
    }

    @Test
    void leastRequestSendsClearlyFewerCallsToASlowBackend() {
        try (InterceptedBackend slow = InterceptedBackend.start("slow", "127.0.0.4",
                InterceptedBackend.delayEveryCall(Duration.ofSeconds(1)))) {
            proxy.route(LoadBalancingPolicy.LeastRequest, endpoint(a.address()), endpoint(b.address()),
                    endpoint(slow.address()));

            Map<String, Integer> served = callsPerBackend(240, 12);

            // Round robin would give it 80. Least request stops choosing it once it holds more
            // calls in flight than the fast backends, which answer at once.
            assertThat(served.getOrDefault("slow", 0)).as(served.toString()).isLessThan(30);
            assertThat(served.get("a") + served.get("b")).isGreaterThan(210);
            assertThat(slow.stats().callsStarted()).isEqualTo(served.getOrDefault("slow", 0).longValue());
        }
    }

    @Test
    void drainingEndpointsGetNoNewCallsWhileAReadyOneExists() {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()),
                endpoint(b.address(), 1, EndpointState.DRAINING), endpoint(c.address(), 1, EndpointState.DRAINING));

        Map<String, Integer> served = callsPerBackend(60, 60);

        assertThat(served).containsExactlyEntriesOf(Map.of("a", 60));
        assertThat(b.stats().callsStarted() + c.stats().callsStarted()).isZero();
    }

    @Test
    void drainingEndpointsTakeTheCallsWhenNoEndpointIsReady() {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()),
                endpoint(b.address(), 1, EndpointState.DRAINING), endpoint(c.address(), 1, EndpointState.DRAINING));
        assertThat(callsPerBackend(10, 10)).containsExactlyEntriesOf(Map.of("a", 10));

        proxy.route(LoadBalancingPolicy.RoundRobin,
                endpoint(b.address(), 1, EndpointState.DRAINING), endpoint(c.address(), 1, EndpointState.DRAINING));
        Map<String, Integer> served = callsPerBackend(60, 60);

        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("b", 30, "c", 30));
        assertThat(a.stats().callsStarted()).isEqualTo(10);
    }

    /**
     * Makes {@code calls} unary calls over the one client connection, at most {@code concurrency}
     * in flight (a new one starts as soon as one ends), checks that every one succeeded with its
     * own body, and counts them by backend.
     */
    private Map<String, Integer> callsPerBackend(int calls, int concurrency) {
        Semaphore slots = new Semaphore(concurrency);
        List<TestCall> started = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            acquire(slots);
            TestCall call = client.startUnary(utf8("call " + i), RequestHeaders.none(), DEADLINE);
            call.result().whenComplete((result, error) -> slots.release());
            started.add(call);
        }
        Map<String, Integer> served = new TreeMap<>();
        for (int i = 0; i < calls; i++) {
            CallResult result = started.get(i).await(WAIT);
            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            assertThat(result.bodyUtf8()).isEqualTo("call " + i);
            served.merge(result.backendId(), 1, Integer::sum);
        }
        assertThat(proxy.clientConnections()).as("client connections to the proxy").isEqualTo(1);
        return served;
    }

    private static void acquire(Semaphore slots) {
        try {
            if (!slots.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no call ended within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
