package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.translate.ClusterTranslator;
import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.LastValidSpecs;
import dev.grpcbalancer.controller.translate.MapCluster;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A run that changed one balancer of many builds one status and keeps every other instance. */
class StatusPlannerTest {

    private static final int BALANCERS = 50;
    private static final BalancerId CHANGED = new BalancerId("shop", "b-7");

    private final MapCluster cluster = new MapCluster();
    private final List<GrpcBalancer> balancers = new ArrayList<>();
    /** Managed Service names the planner looked up. */
    private final List<String> lookups = new ArrayList<>();
    private final StatusPlanner planner = new StatusPlanner(true, "grpc-balancer", name -> {
        lookups.add(name);
        return null;
    });

    StatusPlannerTest() {
        for (int i = 0; i < BALANCERS; i++) {
            cluster.addService("shop", "svc-" + i, "10.0." + i + ".1");
            balancers.add(balancer("b-" + i, "svc-" + i, 8000 + i));
        }
    }

    @Test
    void oneChangedOutcomeBuildsOneStatusAndKeepsTheOthersAndEveryManagedServiceWant() {
        ClusterTranslator.Result first = ClusterTranslator.translate(balancers, cluster, Map.of(), RoutingSnapshot.EMPTY);
        StatusWriter.Plan before = plan(first, bound(first.snapshot()));

        cluster.addService("shop", "svc-7", "10.0.7.1", "10.0.7.2");
        ClusterTranslator.Result second = ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "svc-7")));
        lookups.clear();
        StatusWriter.Plan after = plan(second, bound(second.snapshot()));

        assertThat(rebuilt(before, after)).containsExactly(CHANGED);
        assertThat(planner.visited()).as("balancers looked at").isEqualTo(1);
        assertThat(lookups).as("managed Services looked up").containsExactly("gbal-shop-b-7");
        assertThat(after.services()).hasSize(BALANCERS);
        assertThat(after.services()).as("the same port and type: the same wants")
                .allMatch(want -> before.services().stream().anyMatch(earlier -> earlier == want));
    }

    @Test
    void aListenerThatFailsToBindRebuildsOnlyItsOwnStatus() {
        ClusterTranslator.Result result = ClusterTranslator.translate(balancers, cluster, Map.of(), RoutingSnapshot.EMPTY);
        Map<BalancerId, ListenerState> listening = bound(result.snapshot());
        StatusWriter.Plan before = plan(result, listening);

        listening.put(CHANGED, new ListenerState(8007, false, "cannot listen on 0.0.0.0:8007: Address already in use"));
        StatusWriter.Plan after = plan(result, listening);

        assertThat(rebuilt(before, after)).containsExactly(CHANGED);
    }

    @Test
    void aChangedManagedServiceRebuildsOnlyTheStatusOfItsBalancer() {
        ClusterTranslator.Result result = ClusterTranslator.translate(balancers, cluster, Map.of(), RoutingSnapshot.EMPTY);
        Map<BalancerId, ListenerState> listening = Map.copyOf(bound(result.snapshot()));
        StatusWriter.Plan before = planner.plan(result, LastValidSpecs.after(result, Map.of()), listening, Set.of());
        lookups.clear();

        StatusWriter.Plan after = planner.plan(result, LastValidSpecs.after(result, Map.of()), listening,
                Set.of(InputRef.service("grpc-balancer", "gbal-shop-b-7"), InputRef.service("shop", "gbal-shop-b-8")));

        assertThat(planner.visited()).isEqualTo(1);
        assertThat(lookups).containsExactly("gbal-shop-b-7");
        assertThat(after.statuses()).as("no status changed: the same map").isSameAs(before.statuses());
        assertThat(after.services()).isSameAs(before.services());
    }

    @Test
    void aRunThatChangedNothingLooksAtNoBalancer() {
        ClusterTranslator.Result first = ClusterTranslator.translate(balancers, cluster, Map.of(), RoutingSnapshot.EMPTY);
        Map<BalancerId, ListenerState> listening = Map.copyOf(bound(first.snapshot()));
        StatusWriter.Plan before = planner.plan(first, LastValidSpecs.after(first, Map.of()), listening, Set.of());
        ClusterTranslator.Result second = ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of());
        lookups.clear();

        StatusWriter.Plan after = planner.plan(second, LastValidSpecs.after(second, Map.of()), listening, Set.of());

        assertThat(planner.visited()).isZero();
        assertThat(lookups).isEmpty();
        assertThat(after.statuses()).isSameAs(before.statuses());
    }

    @Test
    void aDeletedBalancerLeavesThePlanAndItsServiceNameGoes() {
        ClusterTranslator.Result first = ClusterTranslator.translate(balancers, cluster, Map.of(), RoutingSnapshot.EMPTY);
        plan(first, bound(first.snapshot()));
        List<GrpcBalancer> fewer = balancers.stream().filter(b -> !b.getMetadata().getName().equals("b-7")).toList();
        ClusterTranslator.Result second = ClusterTranslator.translate(fewer, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of());

        StatusWriter.Plan after = plan(second, bound(second.snapshot()));

        assertThat(second.removed()).containsExactly(CHANGED);
        assertThat(after.statuses()).hasSize(BALANCERS - 1).doesNotContainKey(CHANGED);
        assertThat(after.services()).hasSize(BALANCERS - 1).noneMatch(want -> want.name().equals("gbal-shop-b-7"));
    }

    private StatusWriter.Plan plan(ClusterTranslator.Result result, Map<BalancerId, ListenerState> listening) {
        return planner.plan(result, LastValidSpecs.after(result, Map.of()), Map.copyOf(listening), Set.of());
    }

    /** The balancers whose status is a new instance in {@code after}. */
    private static List<BalancerId> rebuilt(StatusWriter.Plan before, StatusWriter.Plan after) {
        List<BalancerId> rebuilt = new ArrayList<>();
        after.statuses().forEach((id, status) -> {
            DesiredStatus earlier = before.statuses().get(id);
            if (earlier != status) {
                rebuilt.add(id);
            }
        });
        return rebuilt;
    }

    private static Map<BalancerId, ListenerState> bound(RoutingSnapshot snapshot) {
        Map<BalancerId, ListenerState> states = new HashMap<>();
        for (BalancerConfig config : snapshot.balancers()) {
            states.put(config.id(), new ListenerState(config.listenerPort(), true, null));
        }
        return states;
    }

    private static GrpcBalancer balancer(String name, String service, int port) {
        GrpcBalancer balancer = ClusterObjects.balancer("shop", name, port, service, 50051);
        balancer.getMetadata().setUid("uid-" + name);
        balancer.getMetadata().setGeneration(1L);
        return balancer;
    }
}
