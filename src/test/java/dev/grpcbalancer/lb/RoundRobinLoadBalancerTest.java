package dev.grpcbalancer.lb;

import static dev.grpcbalancer.lb.Picks.address;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RoundRobin on plain endpoint lists. The counter starts at a random point, so every assertion
 * holds from any start: it looks at whole cycles, or at every window of a sequence.
 */
class RoundRobinLoadBalancerTest {

    @Test
    void uniformWeightsTakeTheEndpointsInListOrderOneCallEach() {
        BackendSet four = Picks.uniform(4);
        LoadBalancer balancer = Picks.create(LoadBalancingPolicy.RoundRobin, four);

        List<EndpointAddress> picked = Picks.sequence(balancer, 40);

        List<EndpointAddress> listed = four.endpoints().stream().map(e -> e.address()).toList();
        int first = listed.indexOf(picked.get(0));
        for (int i = 0; i < 40; i++) {
            assertThat(picked.get(i)).as("call %d follows the list order", i).isEqualTo(address(four, (first + i) % 4));
        }
    }

    @Test
    void everyCycleOfTotalWeightCallsGivesEachEndpointExactlyItsWeight() {
        BackendSet backends = Picks.weighted(1, 2, 3, 4, 7);
        LoadBalancer balancer = Picks.create(LoadBalancingPolicy.RoundRobin, backends);

        List<EndpointAddress> picked = Picks.sequence(balancer, 17 * 20);

        for (int cycle = 0; cycle < 20; cycle++) {
            Map<EndpointAddress, Integer> counts = countsOf(picked.subList(cycle * 17, cycle * 17 + 17));
            for (int i = 0; i < 5; i++) {
                assertThat(counts.get(address(backends, i))).as("cycle %d, endpoint %d", cycle, i)
                        .isEqualTo(backends.endpoints().get(i).weight());
            }
        }
    }

    @Test
    void weightedCallsInterleaveInsteadOfComingInRuns() {
        BackendSet backends = Picks.weighted(100, 200, 300);
        LoadBalancer balancer = Picks.create(LoadBalancingPolicy.RoundRobin, backends);

        List<EndpointAddress> picked = Picks.sequence(balancer, 1200);

        // Shares 1/6, 2/6, 3/6: every 12 calls in a row give 2, 4 and 6 calls, off by one at most.
        for (int start = 0; start + 12 <= picked.size(); start++) {
            Map<EndpointAddress, Integer> window = countsOf(picked.subList(start, start + 12));
            for (int i = 0; i < 3; i++) {
                int share = 2 * (i + 1);
                assertThat(window.getOrDefault(address(backends, i), 0)).as("calls %d..%d, endpoint %d", start,
                        start + 11, i).isBetween(share - 1, share + 1);
            }
        }
        assertThat(longestRun(picked)).as("most calls in a row to one endpoint").isLessThanOrEqualTo(2);
        assertThat(countsOf(picked.subList(0, 600))).isEqualTo(Map.of(address(backends, 0), 100,
                address(backends, 1), 200, address(backends, 2), 300));
    }

    @Test
    void largestWeightsStillGiveExactSharesPerCycle() {
        BackendSet backends = Picks.weighted(1000, 999, 1, 1000);
        LoadBalancer balancer = Picks.create(LoadBalancingPolicy.RoundRobin, backends);

        List<EndpointAddress> picked = Picks.sequence(balancer, 3000 * 2);

        for (int cycle = 0; cycle < 2; cycle++) {
            Map<EndpointAddress, Integer> counts = countsOf(picked.subList(cycle * 3000, cycle * 3000 + 3000));
            assertThat(counts).isEqualTo(Map.of(address(backends, 0), 1000, address(backends, 1), 999,
                    address(backends, 2), 1, address(backends, 3), 1000));
        }
    }

    /**
     * Point {@code (k × stride) mod W} needs a product past 2^63 only for a total weight past about
     * 3 × 10^9, which endpoint weights (at most 1000) reach only with millions of endpoints; the
     * arithmetic is therefore checked on its own, against BigInteger.
     */
    @Test
    void weightPointArithmeticIsExactWhenTheProductOverflowsALong() {
        long total = (1L << 62) + 12345;
        long stride = RoundRobinLoadBalancer.coprimeStride(total);
        assertThat(BigInteger.valueOf(stride).gcd(BigInteger.valueOf(total))).isEqualTo(BigInteger.ONE);
        assertThat((double) stride / total).isCloseTo(0.618, within(0.001));

        long[][] cases = {
            {total - 1, stride, total},           // product far past 2^64
            {(1L << 32) + 7, (1L << 31) + 3, total}, // product in [2^63, 2^64): the low word looks negative
            {3_037_000_499L, 3_037_000_499L, 1L << 62}, // just below 2^63: the fast path
            {0, stride, total},
            {12, 34, 1000},
        };
        for (long[] c : cases) {
            long expected = BigInteger.valueOf(c[0]).multiply(BigInteger.valueOf(c[1])).mod(BigInteger.valueOf(c[2]))
                    .longValueExact();
            assertThat(RoundRobinLoadBalancer.mulMod(c[0], c[1], c[2])).as("%d × %d mod %d", c[0], c[1], c[2])
                    .isEqualTo(expected);
        }
    }

    @Test
    void strideSharesNoFactorWithTheTotalWeight() {
        for (long total = 1; total <= 5000; total++) {
            long stride = RoundRobinLoadBalancer.coprimeStride(total);
            assertThat(BigInteger.valueOf(stride).gcd(BigInteger.valueOf(total)).longValue()).as("total %d", total)
                    .isEqualTo(1);
            assertThat(stride).isBetween(1L, Math.max(1, total - 1));
        }
    }

    private static Map<EndpointAddress, Integer> countsOf(List<EndpointAddress> picked) {
        Map<EndpointAddress, Integer> counts = new HashMap<>();
        picked.forEach(a -> counts.merge(a, 1, Integer::sum));
        return counts;
    }

    private static int longestRun(List<EndpointAddress> picked) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < picked.size(); i++) {
            run = i > 0 && picked.get(i).equals(picked.get(i - 1)) ? run + 1 : 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}
