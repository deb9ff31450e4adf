package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.LogCapture;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.grpc.Status;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the data plane reports per balancer and per endpoint, and its access log, for real calls. */
class DataPlaneMetricsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String BALANCER = ProxyFixture.BALANCER.toString();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyFixture proxy;
    private TestBackend a;
    private TestBackend b;
    private TestClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void callsAreCountedByStatusTimedAndMeasuredInBytes() {
        start(false);

        for (int i = 0; i < 4; i++) {
            assertThat(client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE).isOk()).isTrue();
        }
        CallResult notFound = client.unary(utf8("x"),
                RequestHeaders.create().respondStatus(Status.Code.NOT_FOUND).trailersOnly().build(), DEADLINE);
        assertThat(notFound.code()).isEqualTo(Status.Code.NOT_FOUND);

        Await.until(DEADLINE, () -> finished("OK") == 4 && finished("NOT_FOUND") == 1, () -> registry.getMetersAsString());
        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", BALANCER).tag("route", "default")
                .counter().count()).isEqualTo(5);
        assertThat(registry.get("grpcbalancer.call.duration").tag("balancer", BALANCER).tag("route", "default")
                .timer().count()).isEqualTo(5);
        assertThat(registry.get("grpcbalancer.calls.active").tag("balancer", BALANCER).tag("route", "default")
                .gauge().value()).isZero();
        // 4 requests of 5 + 1 of 1 message bytes, each with the 5-byte gRPC prefix
        assertThat(registry.get("grpcbalancer.received").tag("balancer", BALANCER).tag("route", "default").counter().count())
                .isEqualTo(4 * (5 + 5) + (5 + 1));
        assertThat(registry.get("grpcbalancer.sent").tag("balancer", BALANCER).tag("route", "default").counter().count())
                .isEqualTo(4 * (5 + 5));
        assertThat(registry.get("grpcbalancer.client.connections").tag("balancer", BALANCER).gauge().value())
                .isEqualTo(1);
        assertThat(Search.in(registry).name("grpcbalancer.endpoint.attempts").meters())
                .as("no per-endpoint series unless asked").isEmpty();
    }

    @Test
    void proxyErrorsCountWithTheStatusTheClientGot() {
        start(false);
        proxy.route(LoadBalancingPolicy.RoundRobin);

        assertThat(client.unary(utf8("x"), RequestHeaders.none(), DEADLINE).code()).isEqualTo(Status.Code.UNAVAILABLE);

        Await.until(DEADLINE, () -> finished("UNAVAILABLE") == 1, () -> registry.getMetersAsString());
    }

    @Test
    void perEndpointMetersFollowTheEndpointsWhenAskedFor() {
        start(true);
        String addressA = "127.0.0.2:" + a.port();
        String addressB = "127.0.0.3:" + b.port();

        for (int i = 0; i < 4; i++) {
            assertThat(client.unary(utf8("x"), RequestHeaders.none(), DEADLINE).isOk()).isTrue();
        }

        assertThat(registry.get("grpcbalancer.endpoint.attempts").tag("endpoint", addressA).counter().count()).isEqualTo(2);
        assertThat(registry.get("grpcbalancer.endpoint.attempts").tag("endpoint", addressB).counter().count()).isEqualTo(2);
        Await.until(DEADLINE, () -> endedOk(addressA) == 2 && endedOk(addressB) == 2, registry::getMetersAsString);
        assertThat(registry.get("grpcbalancer.endpoint.attempt.duration").tag("endpoint", addressA).timer().count())
                .isEqualTo(2);
        assertThat(registry.get("grpcbalancer.endpoint.available").tag("endpoint", addressA).gauge().value()).isEqualTo(1);
        assertThat(registry.get("grpcbalancer.endpoint.calls.active").tag("endpoint", addressA).gauge().value()).isZero();
        System.gc(); // the meters' state must outlive the snapshot's lists (Micrometer holds it weakly)
        assertThat(registry.get("grpcbalancer.endpoint.ejections").tag("endpoint", addressA).functionCounter().count())
                .isZero();
        assertThat(registry.get("grpcbalancer.endpoint.available").tag("endpoint", addressB).gauge().value()).isEqualTo(1);

        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()));

        assertThat(Search.in(registry).tag("endpoint", addressB).meters()).as("a removed endpoint's series go").isEmpty();
        proxy.dataPlane().publish(RoutingSnapshot.EMPTY);
        assertThat(Search.in(registry).tag("balancer", BALANCER).meters()).as("a removed balancer's series go").isEmpty();
    }

    @Test
    void accessLogHasOneLinePerCallWhenEnabled() {
        start(false);
        try (LogCapture access = LogCapture.of("dev.grpcbalancer.access", Level.INFO)) {
            client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

            String line = access.awaitLine(Level.INFO, "grpc_status=0", DEADLINE);
            assertThat(line).startsWith("balancer=default/echo method=/test.Echo/Unary endpoint=127.0.0.")
                    .contains(" bytes_in=10 bytes_out=10 attempts=1 route=default").containsPattern("duration_ms=[0-9.]+");
        }
    }

    private void start(boolean perEndpoint) {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        proxy = ProxyFixture.start(new DataPlaneMeters(registry, perEndpoint))
                .route(LoadBalancingPolicy.RoundRobin, endpoint(a.address()), endpoint(b.address()));
        client = TestClient.connect(proxy.address());
    }

    /** Attempts on {@code endpoint} that ended OK, 0 before the first. */
    private double endedOk(String endpoint) {
        io.micrometer.core.instrument.Counter ok = registry.find("grpcbalancer.endpoint.attempts.ended")
                .tag("endpoint", endpoint).tag("grpc_code", "OK").counter();
        return ok == null ? 0 : ok.count();
    }

    private double finished(String code) {
        return registry.get("grpcbalancer.calls.finished").tag("balancer", BALANCER).tag("route", "default")
                .tag("grpc_code", code)
                .counter().count();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
