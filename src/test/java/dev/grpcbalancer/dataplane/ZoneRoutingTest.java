package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Zone-aware routing end to end: a balancer replica in zone-a with backends (127.0.0.x) labelled in
 * two zones and hinted for their own zone keeps its calls in zone-a, counts them, shows it in
 * {@code describe()}, and spills over to zone-b when zone-a's backends die.
 */
class ZoneRoutingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final OutlierDetection EJECT_AT_ONCE = new OutlierDetection(true, 1,
            OutlierDetection.DEFAULT_ERROR_CODES, Duration.ofSeconds(10), Duration.ofSeconds(30), 50);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TestBackend a1;
    private TestBackend a2;
    private TestBackend b1;
    private TestBackend b2;
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        a1 = TestBackend.start("a1", "127.0.0.2");
        a2 = TestBackend.start("a2", "127.0.0.3");
        b1 = TestBackend.start("b1", "127.0.0.4");
        b2 = TestBackend.start("b2", "127.0.0.5");
        proxy = ProxyFixture.start(ProxyFixture.settings().withLocality("zone-a", ""),
                new DataPlaneMeters(registry, false));
        proxy.route(config -> config.withOutlierDetection(EJECT_AT_ONCE), LoadBalancingPolicy.RoundRobin,
                List.of(inZone(a1, "zone-a"), inZone(a2, "zone-a"), inZone(b1, "zone-b"), inZone(b2, "zone-b")));
        client = TestClient.builder(proxy.address()).build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        for (TestBackend backend : List.of(a1, a2, b1, b2)) {
            backend.close();
        }
    }

    @Test
    void callsStayInTheReplicasZoneAndAreCountedAsSameZone() {
        Map<String, Integer> served = calls(40);

        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("a1", 20, "a2", 20));
        assertThat(registry.get("grpcbalancer.calls.locality").tag("locality", "same").functionCounter().count())
                .isEqualTo(40);
        assertThat(registry.get("grpcbalancer.calls.locality").tag("locality", "other").functionCounter().count())
                .isZero();
        BalancerView view = proxy.dataPlane().describe().get(0);
        assertThat(view.zone()).isEqualTo("zone-a");
        BalancerView.BackendView backend = view.routes().get(0).backends().get(0);
        assertThat(backend.zoneRouting()).isEqualTo(new BalancerView.ZoneRoutingView(true,
                "calls stay in zone zone-a (2 of 4 endpoints)"));
        assertThat(backend.endpoints()).extracting(BalancerView.EndpointView::zone)
                .containsExactly("zone-a", "zone-a", "zone-b", "zone-b");
    }

    @Test
    void callsSpillOverToTheOtherZoneWhenTheZonesBackendsDie() {
        assertThat(calls(10)).containsOnlyKeys("a1", "a2");
        a1.kill();
        a2.kill();

        int failed = 0;
        for (int i = 0; i < 10; i++) {
            failed += client.unary(utf8("probe"), RequestHeaders.none(), DEADLINE).isOk() ? 0 : 1;
        }
        Map<String, Integer> after = calls(40);

        assertThat(failed).as("calls lost before both were ejected").isLessThanOrEqualTo(2);
        assertThat(after).containsOnlyKeys("b1", "b2");
        assertThat(proxy.dataPlane().describe().get(0).routes().get(0).backends().get(0).zoneRouting().detail())
                .isEqualTo("spilling over to every zone: zone zone-a has no endpoint available");
        assertThat(registry.get("grpcbalancer.calls.locality").tag("locality", "other").functionCounter().count())
                .isGreaterThanOrEqualTo(40);
    }

    private Map<String, Integer> calls(int n) {
        Map<String, Integer> served = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            CallResult result = client.unary(utf8("call " + i), RequestHeaders.none(), DEADLINE);
            assertThat(result.isOk()).as(result.toString()).isTrue();
            served.merge(result.backendId(), 1, Integer::sum);
        }
        return served;
    }

    /** A ready endpoint in {@code zone}, hinted for it (as trafficDistribution: PreferSameZone makes it). */
    private static Endpoint inZone(TestBackend backend, String zone) {
        return new Endpoint(backend.address().getHostString(), backend.port(), 1, EndpointState.READY,
                new Locality(zone, "", Set.of(zone), Set.of()));
    }
}
