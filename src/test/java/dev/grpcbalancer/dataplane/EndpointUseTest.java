package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.dataplane.upstream.UpstreamKey;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The upstreams the running balancers use, kept balancer by balancer (what the upstream pools retain). */
class EndpointUseTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final BalancerId REFUNDS = new BalancerId("shop", "refunds");

    private final EndpointUse use = new EndpointUse();

    @Test
    void anUpstreamStaysLiveWhileAnyBalancerUsesItAndLeavesWithTheLast() {
        assertThat(use.use(GREETER, balancer(GREETER, "10.0.0.1", "10.0.0.2"), UpstreamTls.PLAINTEXT)).isFalse();
        BalancerConfig refunds = balancer(REFUNDS, "10.0.0.2", "10.0.0.3");
        use.use(REFUNDS, refunds, UpstreamTls.PLAINTEXT);
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.1"), plain("10.0.0.2"), plain("10.0.0.3"));

        assertThat(use.use(GREETER, null, null)).as("10.0.0.1 lost its last user").isTrue();
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.2"), plain("10.0.0.3"));

        assertThat(use.use(REFUNDS, balancer(REFUNDS, "10.0.0.3", "10.0.0.4"), UpstreamTls.PLAINTEXT)).isTrue();
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.3"), plain("10.0.0.4"));

        assertThat(use.use(REFUNDS, balancer(REFUNDS, "10.0.0.3", "10.0.0.4", "10.0.0.5"), UpstreamTls.PLAINTEXT))
                .as("an endpoint added, none lost").isFalse();
        assertThat(use.use(REFUNDS, null, null)).isTrue();
        assertThat(use.live()).isEmpty();
    }

    @Test
    void theSameConfigAgainChangesNothingAndTheLiveSetIsAViewThatFollows() {
        Set<UpstreamKey> live = use.live();
        BalancerConfig greeter = balancer(GREETER, "10.0.0.1");

        use.use(GREETER, greeter, UpstreamTls.PLAINTEXT);
        use.use(GREETER, greeter, UpstreamTls.PLAINTEXT);
        assertThat(live).containsExactly(plain("10.0.0.1"));

        use.use(GREETER, null, null);
        assertThat(live).as("counted once, so one removal empties it").isEmpty();
    }

    @Test
    void endpointsInAddressOrderAreComparedSideBySideWithTheSameCountsAsSets() {
        use.use(GREETER, balancer(GREETER, "10.0.0.1", "10.0.0.2"), UpstreamTls.PLAINTEXT);
        BalancerConfig draining = new BalancerConfig(GREETER, 1, 8080, LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(
                new Endpoint("10.0.0.1", 50051, 1, EndpointState.DRAINING), new Endpoint("10.0.0.2", 50051, 1, EndpointState.READY))));

        assertThat(use.use(GREETER, draining, UpstreamTls.PLAINTEXT)).isFalse();
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.1"), plain("10.0.0.2"));

        assertThat(use.use(GREETER, balancer(GREETER, "10.0.0.0", "10.0.0.2", "10.0.0.3"), UpstreamTls.PLAINTEXT))
                .as("10.0.0.1 went").isTrue();
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.0"), plain("10.0.0.2"), plain("10.0.0.3"));
        use.use(REFUNDS, balancer(REFUNDS, "10.0.0.3"), UpstreamTls.PLAINTEXT);
        assertThat(use.use(GREETER, balancer(GREETER, "10.0.0.9", "10.0.0.0"), UpstreamTls.PLAINTEXT))
                .as("out of order: counted with sets; 10.0.0.3 still has refunds").isTrue();
        assertThat(use.use(REFUNDS, null, null)).isTrue();
        assertThat(use.live()).containsExactlyInAnyOrder(plain("10.0.0.0"), plain("10.0.0.9"));
    }

    private static BalancerConfig balancer(BalancerId id, String... hosts) {
        return new BalancerConfig(id, 1, 8080, LoadBalancingPolicy.RoundRobin,
                new BackendSet(Arrays.stream(hosts).map(h -> new Endpoint(h, 50051, 1, EndpointState.READY)).toList()));
    }

    private static UpstreamKey plain(String host) {
        return new UpstreamKey(new EndpointAddress(host, 50051), UpstreamTls.PLAINTEXT);
    }
}
