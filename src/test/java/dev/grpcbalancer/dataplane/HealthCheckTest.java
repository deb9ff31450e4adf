package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Active gRPC health checks against real grpc-java backends: NOT_SERVING, no answer and a dead
 * backend make an endpoint unhealthy (it takes no calls), passing again makes it healthy.
 */
class HealthCheckTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(250);
    private static final int UNHEALTHY_THRESHOLD = 2;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HealthCheck CHECK = new HealthCheck(true, "test.Echo", INTERVAL, TIMEOUT, 1,
            UNHEALTHY_THRESHOLD, 0);

    private ProxyFixture proxy;
    private TestClient client;
    private TestBackend a;
    private TestBackend b;

    @BeforeEach
    void start() {
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        proxy.route(config -> config.withHealthCheck(CHECK), LoadBalancingPolicy.RoundRobin,
                List.of(endpoint(a.address()), endpoint(b.address())));
        // the first checks may time out while the JVM warms up: start from two healthy endpoints
        Await.until(WAIT, () -> a.healthChecks() >= 3 && b.healthChecks() >= 3 && available(a) && available(b),
                () -> "both endpoints checked and healthy");
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        a.close();
        b.close();
    }

    @Test
    void hangingBackendIsMarkedUnhealthyWithinIntervalTimesThresholdAndCallsAvoidIt() {
        a.setBehavior(Behavior.HANG);
        long hung = System.nanoTime();

        // until it is detected, calls that meet it end at their deadline: never a hang, never another error
        int timedOut = 0;
        while (available(a)) {
            CallResult result = client.unary(utf8("meanwhile"), RequestHeaders.none(), Duration.ofMillis(300));
            assertThat(result.code()).as(result.toString()).isIn(Status.Code.OK, Status.Code.DEADLINE_EXCEEDED);
            if (result.code() == Status.Code.DEADLINE_EXCEEDED) {
                timedOut++;
            }
            assertThat(Duration.ofNanos(System.nanoTime() - hung)).as("a detected in time").isLessThan(WAIT);
        }
        Duration detection = Duration.ofNanos(System.nanoTime() - hung);
        System.out.printf("hanging backend detected after %d ms; %d calls met it before%n", detection.toMillis(),
                timedOut);

        // interval x threshold, plus the check in progress (interval + timeout) and a loaded machine's slack
        assertThat(detection).isLessThan(INTERVAL.multipliedBy(UNHEALTHY_THRESHOLD + 1).plus(TIMEOUT)
                .plus(Duration.ofSeconds(1)));
        for (int i = 0; i < 40; i++) {
            CallResult result = client.unary(utf8("call " + i), RequestHeaders.none(), Duration.ofSeconds(2));
            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            assertThat(result.backendId()).isEqualTo("b");
        }

        a.setBehavior(Behavior.NORMAL);
        Await.until(WAIT, () -> available(a), () -> "a healthy again");
        Await.until(WAIT, () -> "a".equals(client.unary(utf8("x"), RequestHeaders.none(), WAIT).backendId()),
                () -> "a call served by a");
    }

    @Test
    void notServingTakesAnEndpointOutAndServingBringsItBack() {
        b.setServing(false);

        Await.until(WAIT, () -> !available(b), () -> "b marked unhealthy");
        for (int i = 0; i < 20; i++) {
            assertThat(client.unary(utf8("call " + i), RequestHeaders.none(), WAIT).backendId()).isEqualTo("a");
        }

        b.setServing(true);
        Await.until(WAIT, () -> available(b), () -> "b healthy again");
    }

    @Test
    void deadBackendIsMarkedUnhealthy() {
        b.kill();

        Await.until(WAIT, () -> !available(b), () -> "b marked unhealthy");
        assertThat(available(a)).isTrue();
    }

    @Test
    void turningChecksOffMakesEveryEndpointHealthy() {
        b.setServing(false);
        Await.until(WAIT, () -> !available(b), () -> "b marked unhealthy");

        proxy.route(config -> config, LoadBalancingPolicy.RoundRobin,
                List.of(endpoint(a.address()), endpoint(b.address())));

        Await.until(WAIT, () -> available(b), () -> "b available without checks");
    }

    private boolean available(TestBackend backend) {
        return proxy.dataPlane().isAvailable(ProxyFixture.BALANCER,
                new EndpointAddress(backend.address().getHostString(), backend.port()));
    }
}
