package dev.grpcbalancer.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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

    private static BalancerConfig config(String name, int port) {
        return new BalancerConfig(new BalancerId("shop", name), 0, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY);
    }
}
