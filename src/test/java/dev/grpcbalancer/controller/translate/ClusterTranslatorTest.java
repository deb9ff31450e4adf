package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterTranslatorTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final BalancerId OTHER = new BalancerId("shop", "other");

    private final MapCluster cluster = new MapCluster();

    @Test
    void balancerWithAResolvedServiceRunsItsEndpoints() {
        cluster.addService("shop", "greeter", "10.0.0.2", "10.0.0.1");

        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().endpoints())
                .containsExactly(Endpoint.ready("10.0.0.1", 50051), Endpoint.ready("10.0.0.2", 50051));
        BalancerOutcome outcome = result.outcomes().get(GREETER);
        assertThat(outcome.isAccepted()).isTrue();
        assertThat(outcome.resolution()).isInstanceOf(BackendResolution.Resolved.class);
    }

    @Test
    void missingServiceKeepsTheListenerWithNoEndpoints() {
        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().isEmpty()).isTrue();
        assertThat(result.outcomes().get(GREETER).resolution())
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound", "Service shop/greeter not found"));
    }

    @Test
    void invalidEditKeepsServingTheLastValidSpecOfTheSameObject() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        GrpcBalancer valid = referencing("greeter", 8080, "uid-1");
        ClusterTranslator.Result first = translate(List.of(valid), Map.of());
        Map<BalancerId, GrpcBalancer> lastValid = LastValidSpecs.after(first, Map.of());

        GrpcBalancer broken = referencing("greeter", 0, "uid-1");
        broken.getMetadata().setGeneration(2L);
        ClusterTranslator.Result second = translate(List.of(broken), lastValid);

        BalancerOutcome outcome = second.outcomes().get(GREETER);
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.errors()).extracting(SpecError::field).containsExactly("spec.listener.port");
        assertThat(outcome.config().listenerPort()).isEqualTo(8080);
        assertThat(outcome.servingGeneration()).isEqualTo(1);
        assertThat(LastValidSpecs.after(second, lastValid)).containsEntry(GREETER, valid);
    }

    @Test
    void recreatedBalancerDoesNotInheritTheLastValidSpecOfItsPredecessor() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        Map<BalancerId, GrpcBalancer> lastValid = LastValidSpecs.after(
                translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of()), Map.of());

        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 0, "uid-2")), lastValid);

        assertThat(result.outcomes().get(GREETER).config()).isNull();
        assertThat(result.snapshot().balancers()).isEmpty();
    }

    @Test
    void deletedBalancerLeavesTheSnapshotAndTheLastValidSpecs() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        Map<BalancerId, GrpcBalancer> lastValid = LastValidSpecs.after(
                translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of()), Map.of());

        ClusterTranslator.Result result = translate(List.of(), lastValid);

        assertThat(result.snapshot()).isEqualTo(RoutingSnapshot.EMPTY);
        assertThat(LastValidSpecs.after(result, lastValid)).isEmpty();
    }

    @Test
    void portClashRunsOnlyTheOlderBalancer() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        List<GrpcBalancer> olderAndYounger = olderAndYoungerOnOnePort();

        ClusterTranslator.Result result = translate(List.of(olderAndYounger.get(1), olderAndYounger.get(0)), Map.of());

        assertThat(result.snapshot().balancers()).extracting(b -> b.id()).containsExactly(GREETER);
        assertThat(result.outcomes().get(OTHER).portHolder()).isEqualTo(GREETER);
        assertThat(result.outcomes().get(OTHER).config()).isNull();
    }

    @Test
    void staticEndpointsNeedNoService() {
        GrpcBalancer balancer = referencing("greeter", 8080, "uid-1");
        balancer.getSpec().setBackendRef(null);
        balancer.getSpec().setStaticEndpoints(List.of("10.0.0.9:7000"));

        ClusterTranslator.Result result = translate(List.of(balancer), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().endpoints())
                .containsExactly(Endpoint.ready("10.0.0.9", 7000));
        assertThat(result.outcomes().get(GREETER).resolution()).isNull();
    }

    @Test
    void memoRecordsTheServiceAndSlicesEachBalancerRead() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        GrpcBalancer fixed = referencing("greeter", 9090, "uid-2");
        fixed.getMetadata().setName("other");
        fixed.getSpec().setBackendRef(null);
        fixed.getSpec().setStaticEndpoints(List.of("10.0.0.9:7000"));

        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 8080, "uid-1"), fixed), Map.of());

        assertThat(result.memo().inputs(GREETER)).containsExactlyInAnyOrder(
                InputRef.service("shop", "greeter"), InputRef.endpointSlicesOf("shop", "greeter"));
        assertThat(result.memo().inputs(OTHER)).isEmpty();
    }

    @Test
    void onlyBalancersThatReadAChangedInputAreTranslatedAgain() {
        List<GrpcBalancer> balancers = greeterAndOtherOverTheirServices();
        ClusterTranslator.Result first = translate(balancers, Map.of());

        cluster.addService("shop", "greeter", "10.0.0.1", "10.0.0.2");
        ClusterTranslator.Result second = ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "greeter")));

        assertThat(second.snapshot().balancer(GREETER).orElseThrow().backends().endpoints()).hasSize(2);
        assertThat(second.outcomes().get(OTHER)).isSameAs(first.outcomes().get(OTHER));
        assertThat(second.snapshot().balancer(OTHER).orElseThrow())
                .isSameAs(first.snapshot().balancer(OTHER).orElseThrow());
        assertThat(second).usingRecursiveComparison().ignoringFields("memo", "changed", "removed", "snapshot.revision", "snapshot.baseRevision", "snapshot.changes")
                .isEqualTo(ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot()));
        assertThat(first.changed()).as("all new").containsExactlyInAnyOrder(GREETER, OTHER);
        assertThat(second.changed()).as("what a consumer of the result must look at").containsExactly(GREETER);
        assertThat(second.removed()).isEmpty();
    }

    @Test
    void portDecisionsStandWhileNoClaimChangesAndAreTakenAgainWhenOneDoes() {
        List<GrpcBalancer> olderAndYounger = olderAndYoungerOnOnePort();
        cluster.addService("shop", "greeter", "10.0.0.1");
        ClusterTranslator.Result first = translate(olderAndYounger, Map.of());
        assertThat(first.memo().arbitrated()).isTrue();

        cluster.addService("shop", "greeter", "10.0.0.1", "10.0.0.2");
        ClusterTranslator.Result second = ClusterTranslator.translate(olderAndYounger, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "greeter")));
        assertThat(second.memo().arbitrated()).as("an endpoint change claims no other port").isFalse();
        assertThat(second.outcomes().get(OTHER).portHolder()).isEqualTo(GREETER);
        assertThat(second).usingRecursiveComparison().ignoringFields("memo", "changed", "removed", "snapshot.revision", "snapshot.baseRevision", "snapshot.changes")
                .isEqualTo(ClusterTranslator.translate(olderAndYounger, cluster, Map.of(), first.snapshot()));

        GrpcBalancer moved = referencing("greeter", 9090, "uid-1");
        moved.getMetadata().setCreationTimestamp(olderAndYounger.get(0).getMetadata().getCreationTimestamp());
        moved.getMetadata().setResourceVersion("2");
        List<GrpcBalancer> apart = List.of(moved, olderAndYounger.get(1));
        ClusterTranslator.Result third = ClusterTranslator.translate(apart, cluster, Map.of(), second.snapshot(),
                second.memo(), Set.of());
        assertThat(third.memo().arbitrated()).isTrue();
        assertThat(third.snapshot().balancers()).extracting(b -> b.id()).containsExactly(GREETER, OTHER);

        ClusterTranslator.Result elsewhere = ClusterTranslator.translate(olderAndYounger, cluster, Map.of(),
                RoutingSnapshot.EMPTY, second.memo(), Set.of());
        assertThat(elsewhere.memo().arbitrated()).as("not over the snapshot the decisions produced").isTrue();
    }

    @Test
    void aResultNamesTheBalancersThatWentAndTheLastValidSpecsFollowInPlace() {
        List<GrpcBalancer> balancers = greeterAndOtherOverTheirServices();
        GrpcBalancer greeter = balancers.get(0);
        ClusterTranslator.Result first = translate(balancers, Map.of());
        Map<BalancerId, GrpcBalancer> inPlace = new HashMap<>();
        LastValidSpecs.update(first, inPlace);
        assertThat(inPlace).isEqualTo(LastValidSpecs.after(first, Map.of()));

        GrpcBalancer broken = referencing("greeter", 0, "uid-1");
        broken.getMetadata().setResourceVersion("2");
        ClusterTranslator.Result second = ClusterTranslator.translate(List.of(broken), cluster, inPlace, first.snapshot(),
                first.memo(), Set.of());
        Map<BalancerId, GrpcBalancer> whole = LastValidSpecs.after(second, inPlace);
        LastValidSpecs.update(second, inPlace);

        assertThat(second.changed()).containsExactly(GREETER);
        assertThat(second.removed()).containsExactly(OTHER);
        assertThat(inPlace).isEqualTo(whole).containsOnlyKeys(GREETER).containsEntry(GREETER, greeter);
    }

    @Test
    void withoutTheChangedRefTheMemoIsTrustedAndNothingIsTranslated() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        List<GrpcBalancer> balancers = List.of(referencing("greeter", 8080, "uid-1"));
        ClusterTranslator.Result first = translate(balancers, Map.of());

        cluster.addService("shop", "greeter", "10.0.0.1", "10.0.0.2");
        ClusterTranslator.Result unrelated = ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "payments"), InputRef.service("other", "greeter")));

        assertThat(unrelated.outcomes().get(GREETER)).isSameAs(first.outcomes().get(GREETER));
        assertThat(unrelated.snapshot()).isEqualTo(first.snapshot());
    }

    @Test
    void aNewVersionOfTheBalancerIsTranslatedAgainWithoutAnyInputChange() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        GrpcBalancer v1 = referencing("greeter", 8080, "uid-1");
        v1.getMetadata().setResourceVersion("1");
        ClusterTranslator.Result first = translate(List.of(v1), Map.of());
        GrpcBalancer sameVersionOtherCopy = referencing("greeter", 8080, "uid-1");
        sameVersionOtherCopy.getMetadata().setResourceVersion("1");
        GrpcBalancer v2 = referencing("greeter", 8081, "uid-1");
        v2.getMetadata().setResourceVersion("2");

        ClusterTranslator.Result same = ClusterTranslator.translate(List.of(sameVersionOtherCopy), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of());
        ClusterTranslator.Result moved = ClusterTranslator.translate(List.of(v2), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of());

        assertThat(same.outcomes().get(GREETER)).isSameAs(first.outcomes().get(GREETER));
        assertThat(moved.snapshot().balancer(GREETER).orElseThrow().listenerPort()).isEqualTo(8081);
    }

    @Test
    void portFreedByADeletedBalancerGoesToTheWaitingOneWhoseInputsDidNotChange() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        List<GrpcBalancer> olderAndYounger = olderAndYoungerOnOnePort();
        ClusterTranslator.Result first = translate(olderAndYounger, Map.of());

        ClusterTranslator.Result second = ClusterTranslator.translate(olderAndYounger.subList(1, 2), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of());

        assertThat(second.outcomes().get(OTHER).portHolder()).isNull();
        assertThat(second.snapshot().balancer(OTHER).orElseThrow().listenerPort()).isEqualTo(8080);
        assertThat(second.outcomes()).doesNotContainKey(GREETER);
    }

    @Test
    void oneChangedServiceAmongManyTranslatesOneBalancerAndKeepsEveryOtherInstance() {
        List<GrpcBalancer> balancers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            cluster.addService("shop", "svc-" + i, "10.0." + i + ".1");
            GrpcBalancer balancer = referencing("svc-" + i, 8000 + i, "uid-" + i);
            balancer.getMetadata().setName("b-" + i);
            balancers.add(balancer);
        }
        Collections.shuffle(balancers, new Random(1)); // as an informer's store lists them
        ClusterTranslator.Result first = translate(balancers, Map.of());

        cluster.addService("shop", "svc-7", "10.0.7.1", "10.0.7.2");
        Collections.shuffle(balancers, new Random(2));
        ClusterTranslator.Result second = ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot(),
                first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "svc-7")));

        BalancerId changed = new BalancerId("shop", "b-7");
        List<BalancerId> translatedAgain = second.outcomes().values().stream()
                .filter(outcome -> outcome != first.outcomes().get(outcome.id())).map(BalancerOutcome::id).toList();
        assertThat(translatedAgain).containsExactly(changed);
        assertThat(second.snapshot().balancers()).hasSize(50);
        for (int i = 0; i < 50; i++) {
            BalancerId id = first.snapshot().balancers().get(i).id();
            assertThat(second.snapshot().balancers().get(i).id()).as("the same order").isEqualTo(id);
            if (!id.equals(changed)) {
                assertThat(second.snapshot().balancers().get(i)).isSameAs(first.snapshot().balancers().get(i));
            }
        }
        assertThat(second).usingRecursiveComparison().ignoringFields("memo", "changed", "removed", "snapshot.revision", "snapshot.baseRevision", "snapshot.changes")
                .isEqualTo(ClusterTranslator.translate(balancers, cluster, Map.of(), first.snapshot()));

        ClusterTranslator.Result third = ClusterTranslator.translate(balancers, cluster, Map.of(), second.snapshot(),
                second.memo(), Set.of());
        assertThat(third.snapshot()).as("nothing changed: the running snapshot itself").isSameAs(second.snapshot());
    }

    private ClusterTranslator.Result translate(List<GrpcBalancer> balancers, Map<BalancerId, GrpcBalancer> lastValid) {
        return ClusterTranslator.translate(balancers, cluster, lastValid, RoutingSnapshot.EMPTY);
    }

    /** {@code greeter} on 8080 over Service greeter, {@code other} on 9090 over Service payments. */
    private List<GrpcBalancer> greeterAndOtherOverTheirServices() {
        cluster.addService("shop", "greeter", "10.0.0.1");
        cluster.addService("shop", "payments", "10.0.1.1");
        GrpcBalancer other = referencing("payments", 9090, "uid-2");
        other.getMetadata().setName("other");
        return List.of(referencing("greeter", 8080, "uid-1"), other);
    }

    /** {@code greeter} created in January and {@code other} in June, both on port 8080. */
    private static List<GrpcBalancer> olderAndYoungerOnOnePort() {
        GrpcBalancer older = referencing("greeter", 8080, "uid-1");
        older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
        GrpcBalancer younger = referencing("greeter", 8080, "uid-2");
        younger.getMetadata().setName("other");
        younger.getMetadata().setCreationTimestamp("2026-06-01T00:00:00Z");
        return List.of(older, younger);
    }

    /** Balancer shop/greeter over {@code service} on listener {@code port}, generation 1. */
    static GrpcBalancer referencing(String service, int port, String uid) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("greeter");
        balancer.getMetadata().setUid(uid);
        balancer.getMetadata().setGeneration(1L);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef(service, 50051));
        balancer.setSpec(spec);
        return balancer;
    }
}
