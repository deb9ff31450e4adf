package dev.grpcbalancer.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.Timeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SnapshotDiffTest {

    @Test
    void addedRemovedAndChangedBalancersAreNamed() {
        RoutingSnapshot before = new RoutingSnapshot(List.of(
                config("shop", "greeter", 8080, LoadBalancingPolicy.RoundRobin, Endpoint.ready("10.0.0.1", 1)),
                config("shop", "legacy", 8081, LoadBalancingPolicy.RoundRobin, Endpoint.ready("10.0.0.9", 1))));
        RoutingSnapshot after = new RoutingSnapshot(List.of(
                config("default", "echo", 9000, LoadBalancingPolicy.Random, Endpoint.ready("::1", 2)),
                config("shop", "greeter", 8082, LoadBalancingPolicy.LeastRequest,
                        new Endpoint("10.0.0.1", 1, 3, EndpointState.READY), Endpoint.ready("10.0.0.2", 1))));

        assertThat(SnapshotDiff.describe(before, after)).isEqualTo("added default/echo (port 9000, Random, 1 endpoint);"
                + " changed shop/greeter (port 8080 -> 8082, policy RoundRobin -> LeastRequest,"
                + " 10.0.0.1:1 -> 10.0.0.1:1;weight=3, +10.0.0.2:1); removed shop/legacy");
    }

    @Test
    void changedResilienceSectionsAreNamed() {
        BalancerConfig greeter = config("shop", "greeter", 8080, LoadBalancingPolicy.RoundRobin,
                Endpoint.ready("10.0.0.1", 1));
        BalancerConfig tuned = greeter
                .withRetry(new RetryPolicy(3, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofMillis(25),
                        Duration.ofMillis(250), 20, 10, 1024))
                .withTimeouts(new Timeouts(Duration.ZERO, Duration.ofSeconds(5), Duration.ofHours(1)))
                .withSlowStartWindow(Duration.ofSeconds(30));

        assertThat(SnapshotDiff.describe(new RoutingSnapshot(List.of(greeter)), new RoutingSnapshot(List.of(tuned))))
                .isEqualTo("changed shop/greeter (retry settings, timeouts settings, slowStart settings)");
    }

    @Test
    void equalSnapshotsHaveNoChanges() {
        RoutingSnapshot snapshot = new RoutingSnapshot(List.of(
                config("shop", "greeter", 8080, LoadBalancingPolicy.RoundRobin, Endpoint.ready("10.0.0.1", 1))));

        assertThat(SnapshotDiff.describe(snapshot, snapshot)).isEqualTo("no changes");
    }

    @Test
    void manyEndpointChangesAreCountedNotAllListed() {
        List<Endpoint> many = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            many.add(Endpoint.ready("10.0.0." + i, 1));
        }
        RoutingSnapshot before = new RoutingSnapshot(List.of(
                config("shop", "greeter", 8080, LoadBalancingPolicy.RoundRobin, Endpoint.ready("10.0.1.1", 1))));
        RoutingSnapshot after = new RoutingSnapshot(List.of(
                config("shop", "greeter", 8080, LoadBalancingPolicy.RoundRobin, many.toArray(Endpoint[]::new))));

        assertThat(SnapshotDiff.describe(before, after)).isEqualTo("changed shop/greeter (+10.0.0.1:1, +10.0.0.2:1,"
                + " +10.0.0.3:1, +10.0.0.4:1, +10.0.0.5:1, and 4 more endpoint changes)");
    }

    private static BalancerConfig config(String namespace, String name, int port, LoadBalancingPolicy policy,
            Endpoint... endpoints) {
        return new BalancerConfig(new BalancerId(namespace, name), 0, port, policy, new BackendSet(List.of(endpoints)));
    }
}
