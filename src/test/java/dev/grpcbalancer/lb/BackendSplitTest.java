package dev.grpcbalancer.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BackendSplitTest {

    @Test
    void every100ConsecutiveCallsSplitExactly95To5() {
        BackendSplit split = split(backend("stable", 95, "10.0.0.1"), backend("canary", 5, "10.0.1.1"));

        List<String> picks = picks(split, 1000);

        for (int start = 0; start + 100 <= picks.size(); start += 37) {
            Map<String, Integer> window = count(picks.subList(start, start + 100));
            assertThat(window).as("calls %d..%d", start, start + 99).containsEntry("10.0.0.1", 95).containsEntry("10.0.1.1", 5);
        }
    }

    @Test
    void smoothWeightedRoundRobinInterleavesInsteadOfRunningInBlocks() {
        List<String> picks = picks(split(backend("a", 5, "10.0.0.1"), backend("b", 3, "10.0.0.2"),
                backend("c", 2, "10.0.0.3")), 10);

        assertThat(count(picks)).containsEntry("10.0.0.1", 5).containsEntry("10.0.0.2", 3).containsEntry("10.0.0.3", 2);
        for (int i = 1; i < picks.size(); i++) {
            boolean run = picks.get(i).equals(picks.get(i - 1)) && !picks.get(i).equals("10.0.0.1");
            assertThat(run).as("b or c twice in a row in %s", picks).isFalse();
        }
    }

    @Test
    void largeWeightsWithALongPeriodAreStillExactOverThePeriod() {
        BackendSplit split = split(backend("a", 999_999, "10.0.0.1"), backend("b", 1, "10.0.0.2"));

        Map<String, Integer> counts = count(picks(split, 1_000_000));

        assertThat(counts).containsEntry("10.0.0.1", 999_999).containsEntry("10.0.0.2", 1);
    }

    @Test
    void weightZeroTakesNoCallsAndAllZeroMeansNoEndpoint() {
        BackendSplit split = split(backend("a", 0, "10.0.0.1"), backend("b", 1, "10.0.0.2"));

        assertThat(count(picks(split, 50))).containsOnlyKeys("10.0.0.2");
        assertThat(split(backend("a", 0, "10.0.0.1")).pick(null, null)).isNull();
    }

    @Test
    void aBackendWithoutReadyEndpointsIsSkippedWhileAnotherHasSome() {
        RouteBackend empty = new RouteBackend("empty", 50, BackendSet.EMPTY);
        RouteBackend draining = new RouteBackend("draining", 50,
                new BackendSet(List.of(new Endpoint("10.0.0.9", 50051, 1, EndpointState.DRAINING))));

        assertThat(count(picks(split(empty, draining, backend("b", 1, "10.0.0.2")), 30))).containsOnlyKeys("10.0.0.2");
        assertThat(count(picks(split(empty, draining), 30))).as("only draining endpoints left: they take the calls")
                .containsOnlyKeys("10.0.0.9");
        assertThat(split(empty).pick(null, null)).isNull();
    }

    @Test
    void anInvalidBackendKeepsItsShareAndItsCallsGetNoEndpoint() {
        BackendSplit split = split(backend("a", 3, "10.0.0.1"), RouteBackend.invalid("missing:50051", 1,
                "Service shop/missing not found"));

        int none = 0;
        int onA = 0;
        for (int i = 0; i < 400; i++) {
            Selection selection = split.pick(null, null);
            if (selection == null) {
                none++;
            } else {
                onA++;
                selection.finish();
            }
        }

        assertThat(none).as("the invalid backend's quarter fails").isEqualTo(100);
        assertThat(onA).isEqualTo(300);
        assertThat(split(RouteBackend.invalid("missing:50051", 0, "gone")).pick(null, null)).as("weight 0: no share").isNull();
    }

    @Test
    void aRetryAvoidsTheFailedEndpointByTryingAnotherBackend() {
        BackendSplit split = split(backend("a", 1, "10.0.0.1"), backend("b", 1, "10.0.0.2"));

        for (int i = 0; i < 20; i++) {
            Selection selection = split.pick(new EndpointAddress("10.0.0.1", 50051), null);
            assertThat(selection.endpoint().host()).isEqualTo("10.0.0.2");
            selection.finish();
        }
    }

    private static RouteBackend backend(String name, int weight, String host) {
        return new RouteBackend(name, weight, new BackendSet(List.of(Endpoint.ready(host, 50051))));
    }

    private static BackendSplit split(RouteBackend... backends) {
        List<LoadBalancer> balancers = new ArrayList<>();
        for (RouteBackend backend : backends) {
            balancers.add(LoadBalancer.create(RoutePolicy.DEFAULT, backend.endpoints(), null));
        }
        return BackendSplit.create(List.of(backends), balancers);
    }

    private static List<String> picks(BackendSplit split, int calls) {
        List<String> picks = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            Selection selection = split.pick(null, null);
            picks.add(selection.endpoint().host());
            selection.finish();
        }
        return picks;
    }

    private static Map<String, Integer> count(List<String> picks) {
        Map<String, Integer> counts = new TreeMap<>();
        picks.forEach(p -> counts.merge(p, 1, Integer::sum));
        return counts;
    }
}
