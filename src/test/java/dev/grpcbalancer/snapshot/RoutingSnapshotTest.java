package dev.grpcbalancer.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutingSnapshotTest {

    @Test
    void indexesItsBalancersById() {
        BalancerConfig a = config("a", 8080);
        BalancerConfig b = config("b", 8081);

        RoutingSnapshot snapshot = new RoutingSnapshot(List.of(a, b));

        assertThat(snapshot.byId()).containsOnlyKeys(a.id(), b.id());
        assertThat(snapshot.balancer(b.id())).containsSame(b);
    }

    @Test
    void aThousandBalancersAreEachFoundByIdAndTheIndexIsAMapLikeAnyOther() {
        List<BalancerConfig> configs = new java.util.ArrayList<>();
        java.util.Map<BalancerId, BalancerConfig> expected = new java.util.HashMap<>();
        for (int i = 0; i < 1000; i++) {
            BalancerConfig config = config("b" + i, 10000 + i);
            configs.add(config);
            expected.put(config.id(), config);
        }

        RoutingSnapshot snapshot = new RoutingSnapshot(configs);

        configs.forEach(config -> assertThat(snapshot.balancer(config.id())).containsSame(config));
        assertThat(snapshot.balancer(new BalancerId("shop", "b1000"))).isEmpty();
        assertThat(snapshot.byId()).isEqualTo(expected).hasSize(1000).doesNotContainKey(new BalancerId("other", "b1"));
        assertThat(expected).isEqualTo(snapshot.byId());
    }

    @Test
    void aBalancerListedTwiceIsRejected() {
        assertThatThrownBy(() -> new RoutingSnapshot(List.of(config("a", 8080), config("a", 8081))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("balancer listed twice: shop/a");
    }

    @Test
    void twoBalancersOnOnePortAreRejectedNamingBoth() {
        assertThatThrownBy(() -> new RoutingSnapshot(List.of(config("a", 8080), config("b", 65535),
                config("c", 8080))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port 8080 used by both shop/a and shop/c");
    }

    @Test
    void aSnapshotBuiltOnAnotherNamesTheBalancersThatDifferByInstance() {
        BalancerConfig a = config("a", 8080);
        BalancerConfig b = config("b", 8081);
        BalancerConfig c = config("c", 8082);
        RoutingSnapshot base = new RoutingSnapshot(List.of(a, b, c));
        BalancerConfig equalCopy = config("b", 8081);
        BalancerConfig d = config("d", 8083);

        RoutingSnapshot next = new RoutingSnapshot(base, List.of(a, equalCopy, d));

        assertThat(next.changesSince(base)).contains(new RoutingSnapshot.Changes(Set.of(b.id(), d.id()), Set.of(c.id())));
        assertThat(next.changesSince(base).orElseThrow().changed()).as("an equal copy is another instance").contains(b.id());
    }

    @Test
    void changesAreKnownOnlySinceTheSnapshotItWasBuiltOn() {
        RoutingSnapshot base = new RoutingSnapshot(List.of(config("a", 8080)));
        RoutingSnapshot equalToBase = new RoutingSnapshot(base.balancers());
        RoutingSnapshot next = new RoutingSnapshot(base, List.of(config("a", 8081)));

        assertThat(next.changesSince(equalToBase)).as("an equal snapshot is not the base").isEmpty();
        assertThat(new RoutingSnapshot(next, base.balancers()).changesSince(base)).as("two steps on").isEmpty();
        assertThat(base.changesSince(RoutingSnapshot.EMPTY)).as("built on none").isEmpty();
        assertThat(next.revision()).isNotEqualTo(base.revision()).isNotEqualTo(equalToBase.revision());
    }

    private static BalancerConfig config(String name, int port) {
        return new BalancerConfig(new BalancerId("shop", name), 0, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY);
    }
}
