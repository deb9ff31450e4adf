package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.gateway.GatewayCluster;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A source that reports which GrpcBalancers changed lets a run look only at the balancers a change
 * concerns (found through the reverse index of recorded inputs), and the result is still the one a
 * full translation of the same state gives. Work is counted in balancers looked at.
 */
class IncrementalTranslationTest {

    private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");

    private final MapCluster cluster = new MapCluster();
    private final ReportedBalancers balancers = new ReportedBalancers();
    private final KeyMaterialCache keys = new KeyMaterialCache();

    @Test
    void oneChangedSliceAmongAThousandBalancersLooksAtOneBalancer() {
        for (int i = 0; i < 1000; i++) {
            cluster.addService("shop", "svc-" + i, "10.0." + (i / 250) + "." + (i % 250 + 1));
            balancers.put(balancer("b-" + i, "svc-" + i, 10000 + i, i));
        }
        ClusterTranslator.Result first = run(ClusterTranslator.Memo.EMPTY, RoutingSnapshot.EMPTY, balancers.takeChanges());
        assertThat(first.memo().visited()).as("the first run looks at every balancer").isEqualTo(1000);

        cluster.addService("shop", "svc-417", "10.0.1.168", "10.9.9.9");
        ClusterTranslator.Result second = run(first.memo(), first.snapshot(),
                Set.of(InputRef.endpointSlicesOf("shop", "svc-417")));

        BalancerId changed = new BalancerId("shop", "b-417");
        assertThat(second.memo().visited()).isEqualTo(1);
        assertThat(second.changed()).containsExactly(changed);
        assertThat(second.snapshot().balancer(changed).orElseThrow().backends().endpoints()).hasSize(2);
        assertThat(second.snapshot().changesSince(first.snapshot()).orElseThrow().changed()).containsExactly(changed);
        assertSameAsFullTranslation(second, first.snapshot(), Map.of());

        ClusterTranslator.Result unrelated = run(second.memo(), second.snapshot(),
                Set.of(InputRef.endpointSlicesOf("elsewhere", "svc-1")));
        assertThat(unrelated.memo().visited()).as("a ref nobody read").isZero();
        assertThat(unrelated.snapshot()).isSameAs(second.snapshot());
    }

    @Test
    void aReportedBalancerChangeLooksAtThatBalancerOnly() {
        for (int i = 0; i < 100; i++) {
            cluster.addService("shop", "svc-" + i, "10.0.0." + (i + 1));
            balancers.put(balancer("b-" + i, "svc-" + i, 10000 + i, i));
        }
        ClusterTranslator.Result first = run(ClusterTranslator.Memo.EMPTY, RoutingSnapshot.EMPTY, balancers.takeChanges());

        GrpcBalancer moved = balancer("b-5", "svc-6", 10005, 5);
        moved.getMetadata().setResourceVersion("2");
        balancers.put(moved);
        balancers.remove("b-9");
        balancers.put(balancer("b-new", "svc-1", 20000, 200));
        ClusterTranslator.Result second = run(first.memo(), first.snapshot(), balancers.takeChanges());

        assertThat(second.memo().visited()).isEqualTo(3);
        assertThat(second.removed()).containsExactly(new BalancerId("shop", "b-9"));
        assertThat(second.snapshot().balancer(new BalancerId("shop", "b-5")).orElseThrow().backends().endpoints())
                .containsExactly(Endpoint.ready("10.0.0.7", 50051));
        assertSameAsFullTranslation(second, first.snapshot(), Map.of());

        cluster.addService("shop", "svc-6", "10.0.0.70");
        ClusterTranslator.Result third = run(second.memo(), second.snapshot(),
                Set.of(InputRef.endpointSlicesOf("shop", "svc-6")));
        assertThat(third.changed()).as("the index follows b-5 to its new Service")
                .containsExactlyInAnyOrder(new BalancerId("shop", "b-5"), new BalancerId("shop", "b-6"));
        assertSameAsFullTranslation(third, second.snapshot(), Map.of());
    }

    @Test
    void randomChangeSequencesEndWhereAFullTranslationDoes() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            MapCluster world = new MapCluster();
            ReportedBalancers listed = new ReportedBalancers();
            for (int i = 0; i < 12; i++) {
                world.addService("shop", "svc-" + i, "10.0." + i + ".1");
            }
            for (int i = 0; i < 30; i++) {
                listed.put(balancer("b-" + i, "svc-" + random.nextInt(14), 8000 + random.nextInt(24), i));
            }
            ClusterTranslator.Memo memo = ClusterTranslator.Memo.EMPTY;
            RoutingSnapshot running = RoutingSnapshot.EMPTY;
            Map<BalancerId, GrpcBalancer> lastValid = new HashMap<>();
            int version = 1;
            for (int step = 0; step < 60; step++) {
                Set<InputRef> changed = new HashSet<>(listed.takeChanges());
                int changes = 1 + random.nextInt(3);
                for (int c = 0; c < changes; c++) {
                    version++;
                    String service = "svc-" + random.nextInt(14);
                    String name = "b-" + random.nextInt(34);
                    switch (random.nextInt(7)) {
                        case 0 -> {
                            world.addService("shop", service, "10.1." + random.nextInt(200) + ".1",
                                    "10.2." + random.nextInt(200) + ".1");
                            changed.add(InputRef.endpointSlicesOf("shop", service));
                            changed.add(InputRef.service("shop", service));
                        }
                        case 1 -> {
                            world.services.remove("shop/" + service);
                            world.slices.remove("shop/" + service);
                            changed.add(InputRef.endpointSlicesOf("shop", service));
                            changed.add(InputRef.service("shop", service));
                        }
                        case 2 -> {
                            GrpcBalancer edited = balancer(name, service, 8000 + random.nextInt(24), age(name));
                            edited.getMetadata().setResourceVersion(Integer.toString(version));
                            edited.getMetadata().setGeneration((long) version);
                            listed.put(edited);
                        }
                        case 3 -> {
                            GrpcBalancer invalid = balancer(name, service, 0, age(name));
                            invalid.getMetadata().setResourceVersion(Integer.toString(version));
                            invalid.getMetadata().setGeneration((long) version);
                            listed.put(invalid);
                        }
                        case 4 -> listed.remove(name);
                        case 5 -> { // new endpoints, the same Service object: only the slices' ref
                            Service before = world.services.get("shop/" + service);
                            world.addService("shop", service, "10.3." + random.nextInt(200) + ".1");
                            if (before == null) {
                                world.services.remove("shop/" + service);
                            } else {
                                world.services.put("shop/" + service, before);
                            }
                            changed.add(InputRef.endpointSlicesOf("shop", service));
                        }
                        default -> { } // a run with only the changes noted so far
                    }
                }
                changed.addAll(listed.takeChanges());
                ClusterTranslator.Result result = ClusterTranslator.translate(listed, List.of(),
                        GatewayCluster.servicesOnly(world), lastValid, running, memo, changed, keys, NOW);
                ClusterTranslator.Result full = ClusterTranslator.translate(BalancerSource.listed(
                        listed.all()), List.of(), GatewayCluster.servicesOnly(world), lastValid, running,
                        ClusterTranslator.Memo.EMPTY, Set.of(), keys, NOW);
                String where = "seed " + seed + ", step " + step;
                assertThat(result.snapshot().balancers()).as(where).isEqualTo(full.snapshot().balancers());
                assertThat(summaries(result)).as(where).isEqualTo(summaries(full));
                LastValidSpecs.update(result, lastValid);
                memo = result.memo();
                running = result.snapshot();
            }
        }
    }

    private ClusterTranslator.Result run(ClusterTranslator.Memo memo, RoutingSnapshot running, Set<InputRef> changed) {
        return ClusterTranslator.translate(balancers, List.of(), GatewayCluster.servicesOnly(cluster), Map.of(), running,
                memo, changed, keys, NOW);
    }

    private void assertSameAsFullTranslation(ClusterTranslator.Result result, RoutingSnapshot running,
            Map<BalancerId, GrpcBalancer> lastValid) {
        ClusterTranslator.Result full = ClusterTranslator.translate(balancers.all(), cluster, lastValid, running,
                ClusterTranslator.Memo.EMPTY, Set.of(), keys, NOW);
        assertThat(result.snapshot().balancers()).isEqualTo(full.snapshot().balancers());
        assertThat(summaries(result)).isEqualTo(summaries(full));
    }

    /** What the status and the data plane read of each outcome. */
    private static Map<BalancerId, List<Object>> summaries(ClusterTranslator.Result result) {
        Map<BalancerId, List<Object>> summaries = new TreeMap<>();
        result.outcomes().forEach((id, outcome) -> summaries.put(id, Arrays.asList(outcome.errors(),
                outcome.portHolder(), outcome.resolution(), outcome.config(), outcome.servingGeneration(),
                outcome.resource().getMetadata().getResourceVersion())));
        return summaries;
    }

    /** Balancer {@code b-N}'s creation time: N minutes into 2026, so port clashes go by number. */
    private static int age(String name) {
        return Integer.parseInt(name.substring(2));
    }

    private static GrpcBalancer balancer(String name, String service, int port, int minutes) {
        GrpcBalancer balancer = ClusterTranslatorTest.referencing(service, port, "uid-" + name);
        balancer.getMetadata().setName(name);
        balancer.getMetadata().setResourceVersion("1");
        balancer.getMetadata().setCreationTimestamp(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * minutes)
                .toString());
        return balancer;
    }

    /** GrpcBalancers by name in namespace shop, noting each put and remove as the informer does. */
    private static final class ReportedBalancers implements BalancerSource {

        private final Map<String, GrpcBalancer> byName = new TreeMap<>();
        private final Set<InputRef> changes = new HashSet<>();

        void put(GrpcBalancer balancer) {
            byName.put(balancer.getMetadata().getName(), balancer);
            changes.add(InputRef.grpcBalancer("shop", balancer.getMetadata().getName()));
        }

        void remove(String name) {
            if (byName.remove(name) != null) {
                changes.add(InputRef.grpcBalancer("shop", name));
            }
        }

        Set<InputRef> takeChanges() {
            Set<InputRef> taken = Set.copyOf(changes);
            changes.clear();
            return taken;
        }

        @Override
        public Collection<GrpcBalancer> all() {
            return new ArrayList<>(byName.values());
        }

        @Override
        public GrpcBalancer balancer(String namespace, String name) {
            return "shop".equals(namespace) ? byName.get(name) : null;
        }

        @Override
        public boolean changesReported() {
            return true;
        }
    }
}
