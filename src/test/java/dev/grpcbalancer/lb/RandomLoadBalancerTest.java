package dev.grpcbalancer.lb;

import static dev.grpcbalancer.lb.Picks.address;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Random: weighted random choice. The policy draws from {@code ThreadLocalRandom}, so shares are
 * checked over many calls within bounds at least seven standard deviations wide (a correct policy
 * falls outside them less than once in 10^11 runs) and narrow enough that a policy ignoring
 * weights falls outside every time.
 */
class RandomLoadBalancerTest {

    private static final int CALLS = 40_000;

    @Test
    void uniformWeightsShareCallsEqually() {
        BackendSet four = Picks.uniform(4);

        Map<EndpointAddress, Long> counts = Picks.counts(Picks.create(LoadBalancingPolicy.Random, four), CALLS);

        for (int i = 0; i < 4; i++) {
            // share 1/4: sd = sqrt(40000 * 1/4 * 3/4) = 87
            assertThat(counts.get(address(four, i))).as("endpoint %d", i).isBetween(10_000L - 1000, 10_000L + 1000);
        }
    }

    @Test
    void weightsSetEachEndpointsShare() {
        BackendSet backends = Picks.weighted(1, 3, 6);

        Map<EndpointAddress, Long> counts = Picks.counts(Picks.create(LoadBalancingPolicy.Random, backends), CALLS);

        // shares 1/10, 3/10, 6/10: sd 60, 92 and 98
        assertThat(counts.get(address(backends, 0))).isBetween(4000L - 1000, 4000L + 1000);
        assertThat(counts.get(address(backends, 1))).isBetween(12_000L - 1000, 12_000L + 1000);
        assertThat(counts.get(address(backends, 2))).isBetween(24_000L - 1000, 24_000L + 1000);
    }

    @Test
    void lightestEndpointOfLargeWeightsStillGetsItsShare() {
        BackendSet backends = Picks.weighted(1000, 1, 1000);

        Map<EndpointAddress, Long> counts = Picks.counts(Picks.create(LoadBalancingPolicy.Random, backends), 200_000);

        // share 1/2001 of 200,000: 100 expected, sd 10
        assertThat(counts.getOrDefault(address(backends, 1), 0L)).isBetween(30L, 200L);
        assertThat(counts.get(address(backends, 0))).isBetween(99_950L - 2000, 99_950L + 2000);
    }
}
