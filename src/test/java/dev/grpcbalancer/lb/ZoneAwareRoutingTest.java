package dev.grpcbalancer.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Zone- and node-aware routing from topology hints, on a fake clock. */
class ZoneAwareRoutingTest {

    private static final Locality IN_A = new Locality("a", "node-a1", Set.of(), Set.of());
    private static final OutlierDetection EJECT_AFTER_ONE = new OutlierDetection(true, 1,
            OutlierDetection.DEFAULT_ERROR_CODES, Duration.ofSeconds(10), Duration.ofSeconds(30), 100);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @ParameterizedTest
    @EnumSource(value = LoadBalancingPolicy.class, names = "ConsistentHash", mode = EnumSource.Mode.EXCLUDE)
    void callsStayInTheBalancersZoneWhenEveryEndpointIsHinted(LoadBalancingPolicy policy) {
        BackendSet set = set(inZone(1, "a"), inZone(2, "a"), inZone(3, "b"), inZone(4, "b"), inZone(5, "c"),
                inZone(6, "c"));
        LoadBalancer balancer = create(policy, set, IN_A, 50, OutlierDetection.DISABLED);

        Map<String, Long> zones = zonesOf(balancer, set, 600);

        assertThat(zones).containsOnlyKeys("a");
        assertThat(balancer.zoneRouting()).isEqualTo(new LoadBalancer.ZoneRouting(true,
                "calls stay in zone a (2 of 6 endpoints)"));
        assertThat(balancer.localityCalls()).isEqualTo(new LoadBalancer.LocalityCalls(600, 0));
    }

    @Test
    void callsSpillOverWhenTheZonesEndpointsAreEjectedAndComeBackAfter() {
        BackendSet set = set(inZone(1, "a"), inZone(2, "b"), inZone(3, "b"), inZone(4, "c"));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 0, EJECT_AFTER_ONE);
        Selection local = balancer.pick(null);
        local.failed();
        local.finish();

        assertThat(zonesOf(balancer, set, 300)).containsOnlyKeys("b", "c");
        assertThat(balancer.zoneRouting().detail()).isEqualTo("spilling over to every zone: zone a has no endpoint available");

        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        zonesOf(balancer, set, 30); // a pick on the ejected endpoint finds its ejection over
        assertThat(zonesOf(balancer, set, 300)).containsOnlyKeys("a");
    }

    @Test
    void callsSpillOverWhenTheZoneHoldsTooSmallAShareOfTheEndpoints() {
        // zone a: 1 of 7 endpoints over 3 zones = 43 % of an even share
        BackendSet set = set(inZone(1, "a"), inZone(2, "b"), inZone(3, "b"), inZone(4, "b"), inZone(5, "c"),
                inZone(6, "c"), inZone(7, "c"));

        LoadBalancer strict = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 50, OutlierDetection.DISABLED);
        LoadBalancer lenient = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 40, OutlierDetection.DISABLED);

        assertThat(zonesOf(strict, set, 700)).containsOnlyKeys("a", "b", "c");
        assertThat(strict.zoneRouting().detail()).isEqualTo("spilling over to every zone: zone a holds 43 % of an"
                + " even share of the available endpoints, below minZoneSharePercent 50");
        assertThat(zonesOf(lenient, set, 700)).containsOnlyKeys("a");
    }

    @Test
    void kubernetesTopologyAwareHintsAreFollowedAsGivenWithoutAShareCheck() {
        // topology-mode Auto: the EndpointSlice controller gave zone a an endpoint of zone b
        BackendSet set = set(hinted(1, "a", "a"), hinted(2, "b", "a"), hinted(3, "b", "b"), hinted(4, "b", "b"),
                hinted(5, "c", "c"), hinted(6, "c", "c"), hinted(7, "c", "c"));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 100, OutlierDetection.DISABLED);

        Map<EndpointAddress, Long> picks = picks(balancer, 200);

        assertThat(picks.keySet()).containsExactlyInAnyOrder(address(1), address(2));
        assertThat(balancer.localityCalls()).isEqualTo(new LoadBalancer.LocalityCalls(100, 100));
    }

    @Test
    void callsStayOnTheBalancersNodeWithNodeHints() {
        Endpoint onNode = new Endpoint("10.0.0.1", 1, 1, EndpointState.READY,
                new Locality("a", "node-a1", Set.of("a"), Set.of("node-a1")));
        Endpoint sameZone = new Endpoint("10.0.0.2", 1, 1, EndpointState.READY,
                new Locality("a", "node-a2", Set.of("a"), Set.of("node-a2")));
        Endpoint otherZone = new Endpoint("10.0.0.3", 1, 1, EndpointState.READY,
                new Locality("b", "node-b1", Set.of("b"), Set.of("node-b1")));
        BackendSet set = new BackendSet(List.of(onNode, sameZone, otherZone));

        LoadBalancer balancer = create(LoadBalancingPolicy.LeastRequest, set, IN_A, 0, EJECT_AFTER_ONE);
        assertThat(picks(balancer, 100).keySet()).containsExactly(onNode.address());
        assertThat(balancer.zoneRouting().detail()).isEqualTo("calls stay on node node-a1 (1 of 3 endpoints)");

        Selection failing = balancer.pick(null);
        failing.failed();
        failing.finish();
        assertThat(picks(balancer, 100).keySet()).as("the node's endpoint is ejected: the zone's")
                .containsExactly(sameZone.address());
    }

    @Test
    void retriesArePickedOverEveryZone() {
        BackendSet set = set(inZone(1, "a"), inZone(2, "a"), inZone(3, "b"), inZone(4, "c"));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 0, OutlierDetection.DISABLED);

        Map<String, Long> zones = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            Selection retry = balancer.pick(address(1));
            zones.merge(retry.endpoint().zone(), 1L, Long::sum);
            assertThat(retry.endpoint().address()).isNotEqualTo(address(1));
            retry.finish();
        }

        assertThat(zones).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void oneEndpointWithoutAHintTurnsZoneRoutingOff() {
        BackendSet set = set(inZone(1, "a"), inZone(2, "b"),
                new Endpoint("10.0.0.3", 1, 1, EndpointState.READY, Locality.inZone("c")));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 0, OutlierDetection.DISABLED);

        assertThat(zonesOf(balancer, set, 300)).containsOnlyKeys("a", "b", "c");
        assertThat(balancer.zoneRouting()).isEqualTo(new LoadBalancer.ZoneRouting(false,
                "off: 1 of 3 ready endpoints have no zone hint"));
        assertThat(balancer.localityCalls()).isEqualTo(new LoadBalancer.LocalityCalls(100, 200));
    }

    @Test
    void aBalancerThatDoesNotKnowItsZoneCountsNothingAndRoutesEverywhere() {
        BackendSet set = set(inZone(1, "a"), inZone(2, "b"));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, Locality.NONE, 0, OutlierDetection.DISABLED);

        assertThat(zonesOf(balancer, set, 100)).containsOnlyKeys("a", "b");
        assertThat(balancer.zoneRouting().detail()).isEqualTo("off: this balancer's zone is unknown (--zone)");
        assertThat(balancer.localityCalls()).isEqualTo(new LoadBalancer.LocalityCalls(0, 0));
    }

    @Test
    void consistentHashIgnoresZonesToKeepEachKeyOnOneEndpoint() {
        BackendSet set = set(inZone(1, "a"), inZone(2, "b"), inZone(3, "c"));
        LoadBalancer balancer = create(LoadBalancingPolicy.ConsistentHash, set, IN_A, 0, OutlierDetection.DISABLED);

        assertThat(balancer.zoneRouting().detail()).startsWith("off: ConsistentHash");
        assertThat(zonesOf(balancer, set, 300)).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void drainingEndpointsNeverTakeZoneRoutedCalls() {
        Endpoint draining = inZone(1, "a").withState(EndpointState.DRAINING);
        BackendSet set = set(draining, inZone(2, "b"), inZone(3, "c"));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, set, IN_A, 0, OutlierDetection.DISABLED);

        assertThat(zonesOf(balancer, set, 100)).containsOnlyKeys("b", "c");
        assertThat(balancer.zoneRouting().detail()).isEqualTo("off: no endpoint is hinted for zone a");
    }

    private LoadBalancer create(LoadBalancingPolicy policy, BackendSet set, Locality local, int minShare,
            OutlierDetection outlier) {
        LoadBalancingOptions options = LoadBalancingOptions.DEFAULT.withMinZoneSharePercent(minShare);
        return LoadBalancers.create(policy, set, null,
                new LoadBalancers.Settings(outlier, 50, 0, options, local, clock::get));
    }

    /** An endpoint in {@code zone} hinted for its own zone (trafficDistribution). */
    private static Endpoint inZone(int n, String zone) {
        return hinted(n, zone, zone);
    }

    private static Endpoint hinted(int n, String zone, String forZone) {
        return new Endpoint("10.0.0." + n, 1, 1, EndpointState.READY,
                new Locality(zone, "", Set.of(forZone), Set.of()));
    }

    private static EndpointAddress address(int n) {
        return new EndpointAddress("10.0.0." + n, 1);
    }

    private static BackendSet set(Endpoint... endpoints) {
        return new BackendSet(new ArrayList<>(List.of(endpoints)));
    }

    private static Map<EndpointAddress, Long> picks(LoadBalancer balancer, int n) {
        return Picks.counts(balancer, n);
    }

    private static Map<String, Long> zonesOf(LoadBalancer balancer, BackendSet set, int n) {
        Map<String, Long> zones = new HashMap<>();
        picks(balancer, n).forEach((address, count) -> zones.merge(set.endpoints().stream()
                .filter(e -> e.address().equals(address)).findFirst().orElseThrow().zone(), count, Long::sum));
        return zones;
    }
}
