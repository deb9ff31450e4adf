package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The addresses the running balancers use, kept from snapshot differences (what the upstream pools retain). */
class EndpointUseTest {

    private final EndpointUse use = new EndpointUse();

    @Test
    void anAddressStaysLiveWhileAnyBalancerUsesItAndLeavesWithTheLast() {
        BalancerConfig greeter = balancer("greeter", 8080, "10.0.0.1", "10.0.0.2");
        BalancerConfig refunds = balancer("refunds", 8081, "10.0.0.2", "10.0.0.3");
        RoutingSnapshot both = new RoutingSnapshot(List.of(greeter, refunds));
        use.update(RoutingSnapshot.EMPTY, both);
        assertThat(use.live()).containsExactlyInAnyOrder(address("10.0.0.1"), address("10.0.0.2"), address("10.0.0.3"));

        RoutingSnapshot refundsOnly = new RoutingSnapshot(List.of(refunds));
        use.update(both, refundsOnly);
        assertThat(use.live()).containsExactlyInAnyOrder(address("10.0.0.2"), address("10.0.0.3"));

        RoutingSnapshot refundsMoved = new RoutingSnapshot(List.of(balancer("refunds", 8081, "10.0.0.3", "10.0.0.4")));
        use.update(refundsOnly, refundsMoved);
        assertThat(use.live()).containsExactlyInAnyOrder(address("10.0.0.3"), address("10.0.0.4"));

        use.update(refundsMoved, RoutingSnapshot.EMPTY);
        assertThat(use.live()).isEmpty();
    }

    @Test
    void theLiveSetIsAViewThatFollowsLaterSnapshots() {
        var live = use.live();
        RoutingSnapshot one = new RoutingSnapshot(List.of(balancer("greeter", 8080, "10.0.0.1")));

        use.update(RoutingSnapshot.EMPTY, one);

        assertThat(live).containsExactly(address("10.0.0.1"));
    }

    private static BalancerConfig balancer(String name, int port, String... hosts) {
        return new BalancerConfig(new BalancerId("shop", name), 1, port, LoadBalancingPolicy.RoundRobin,
                new BackendSet(Arrays.stream(hosts).map(h -> new Endpoint(h, 50051, 1, EndpointState.READY)).toList()));
    }

    private static EndpointAddress address(String host) {
        return new EndpointAddress(host, 50051);
    }
}
