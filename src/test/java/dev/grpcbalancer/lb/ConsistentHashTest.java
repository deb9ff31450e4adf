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
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Maglev consistent hashing with bounded loads, on a fake clock. */
class ConsistentHashTest {

    private static final double FACTOR = 1.25;
    private static final BackendSet FOUR = endpoints(4);
    private static final OutlierDetection EJECT_AFTER_ONE = new OutlierDetection(true, 1,
            OutlierDetection.DEFAULT_ERROR_CODES, Duration.ofSeconds(10), Duration.ofSeconds(30), 50);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void everyKeySeesExactlyOneBackend() {
        LoadBalancer balancer = create(FOUR, null, OutlierDetection.DISABLED);
        Map<String, Set<EndpointAddress>> seen = new HashMap<>();

        for (int call = 0; call < 10; call++) {
            for (int key = 0; key < 1_000; key++) {
                Selection selection = balancer.pick(null, "user-" + key);
                seen.computeIfAbsent("user-" + key, k -> new HashSet<>()).add(selection.endpoint().address());
                selection.finish();
            }
        }

        assertThat(seen).hasSize(1_000).allSatisfy((key, backends) -> assertThat(backends).hasSize(1));
        Map<EndpointAddress, Long> keysPerBackend = new HashMap<>();
        seen.values().forEach(b -> keysPerBackend.merge(b.iterator().next(), 1L, Long::sum));
        assertThat(keysPerBackend.values()).as("keys spread over the backends " + keysPerBackend)
                .hasSize(4).allSatisfy(n -> assertThat(n).isBetween(180L, 320L));
    }

    @Test
    void removingOneOfFourEndpointsMovesAtMostThirtyPercentOfTheKeys() {
        Map<String, EndpointAddress> before = owners(create(FOUR, null, OutlierDetection.DISABLED));
        BackendSet three = new BackendSet(FOUR.endpoints().subList(0, 3));
        Map<String, EndpointAddress> after = owners(create(three, null, OutlierDetection.DISABLED));

        long moved = before.keySet().stream().filter(k -> !before.get(k).equals(after.get(k))).count();
        EndpointAddress removed = FOUR.endpoints().get(3).address();
        long orphaned = before.values().stream().filter(removed::equals).count();
        assertThat(moved).as("keys moved").isLessThanOrEqualTo(300).isGreaterThanOrEqualTo(orphaned);
        assertThat(before.keySet().stream().filter(k -> !before.get(k).equals(removed))
                .filter(k -> !before.get(k).equals(after.get(k))).count())
                .as("keys of the endpoints that stayed which moved anyway").isLessThan(60);
    }

    @Test
    void everyReplicaMapsAKeyToTheSameEndpoint() {
        assertThat(owners(create(FOUR, null, OutlierDetection.DISABLED)))
                .isEqualTo(owners(create(FOUR, null, OutlierDetection.DISABLED)));
    }

    @Test
    void oneKeySendingHalfTheCallsLeavesNoEndpointAboveTheFactorTimesTheAverage() {
        LoadBalancer balancer = create(FOUR, null, OutlierDetection.DISABLED);
        ArrayDeque<Selection> inFlight = new ArrayDeque<>();
        Random random = new Random(42);
        double worst = 0;
        for (int call = 0; call < 20_000; call++) {
            String key = random.nextBoolean() ? "hot" : "key-" + random.nextInt(1_000);
            inFlight.add(balancer.pick(null, key));
            if (inFlight.size() > 200) {
                inFlight.poll().finish();
            }
            int total = inFlight.size();
            for (Endpoint endpoint : FOUR.endpoints()) {
                int bound = (int) Math.ceil(FACTOR * total / 4);
                assertThat(balancer.inFlight(endpoint.address())).as("call %d, %d in flight", call, total)
                        .isLessThanOrEqualTo(bound);
                worst = Math.max(worst, balancer.inFlight(endpoint.address()) / (total / 4.0));
            }
        }
        assertThat(worst).as("the hot key's endpoint is held at the bound").isGreaterThan(1.1);
    }

    @Test
    void anEjectedEndpointsKeysMoveAndComeBackWhenItDoes() {
        LoadBalancer balancer = create(FOUR, null, EJECT_AFTER_ONE);
        Map<String, EndpointAddress> before = owners(balancer);
        EndpointAddress victim = FOUR.endpoints().get(1).address();
        String victimKey = before.entrySet().stream().filter(e -> e.getValue().equals(victim)).findFirst()
                .orElseThrow().getKey();
        Selection failing = balancer.pick(null, victimKey);
        failing.failed();
        failing.finish();

        Map<String, EndpointAddress> during = owners(balancer);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        Map<String, EndpointAddress> after = owners(balancer);

        assertThat(during).doesNotContainValue(victim);
        assertThat(during.keySet().stream().filter(k -> !before.get(k).equals(victim))
                .allMatch(k -> before.get(k).equals(during.get(k)))).as("other keys stay").isTrue();
        assertThat(after).isEqualTo(before);
    }

    @Test
    void callsWithoutAKeyAreSpreadEvenly() {
        LoadBalancer balancer = create(FOUR, null, OutlierDetection.DISABLED);

        assertThat(Picks.counts(balancer, 400).values()).containsOnly(100L);
    }

    @Test
    void aRetryAvoidsTheEndpointOfItsKey() {
        LoadBalancer balancer = create(FOUR, null, OutlierDetection.DISABLED);
        Selection first = balancer.pick(null, "user-7");
        first.finish();

        Selection retry = balancer.pick(first.endpoint().address(), "user-7");

        assertThat(retry.endpoint().address()).isNotEqualTo(first.endpoint().address());
        retry.finish();
    }

    @Test
    void weightsGiveEndpointsTheirShareOfTheTable() {
        Endpoint[] endpoints = {new Endpoint("10.0.0.1", 1, 1, EndpointState.READY),
            new Endpoint("10.0.0.2", 1, 2, EndpointState.READY), new Endpoint("10.0.0.3", 1, 5, EndpointState.READY)};
        int[] table = MaglevTable.build(endpoints, 65_537);

        int[] owned = new int[3];
        for (int owner : table) {
            owned[owner]++;
        }
        assertThat(owned[0] * 8.0 / 65_537).isBetween(0.97, 1.03);
        assertThat(owned[1] * 8.0 / 65_537).isBetween(1.97, 2.03);
        assertThat(owned[2] * 8.0 / 65_537).isBetween(4.97, 5.03);
    }

    /** The endpoint of each of 1,000 keys. */
    private static Map<String, EndpointAddress> owners(LoadBalancer balancer) {
        Map<String, EndpointAddress> owners = new HashMap<>();
        for (int key = 0; key < 1_000; key++) {
            Selection selection = balancer.pick(null, "user-" + key);
            owners.put("user-" + key, selection.endpoint().address());
            selection.finish();
        }
        return owners;
    }

    private LoadBalancer create(BackendSet backends, LoadBalancer previous, OutlierDetection outlier) {
        LoadBalancingOptions options = LoadBalancingOptions.DEFAULT.withConsistentHash(
                new LoadBalancingOptions.ConsistentHash("x-user-id", 65_537, FACTOR));
        return LoadBalancers.create(LoadBalancingPolicy.ConsistentHash, backends, previous,
                new LoadBalancers.Settings(outlier, 0, 0, options, Locality.NONE, clock::get));
    }

    private static BackendSet endpoints(int n) {
        List<Endpoint> endpoints = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            endpoints.add(Endpoint.ready("10.0.0." + i, 50051));
        }
        return new BackendSet(endpoints);
    }
}
