package dev.grpcbalancer.lb;

import static dev.grpcbalancer.lb.Picks.address;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LeastRequest: power of two random choices on calls in flight per unit of weight. With two
 * candidates both are always drawn, so the outcome is certain; with more, the most loaded endpoint
 * is never chosen and the least loaded wins every draw it is in. Calls in flight are set up
 * through a RoundRobin balancer and carried over a rebuild, as a policy change does at run time.
 */
class LeastRequestLoadBalancerTest {

    @Test
    void ofTwoEndpointsTheOneWithFewerCallsInFlightTakesEveryCall() {
        BackendSet two = Picks.uniform(2);
        LoadBalancer roundRobin = Picks.create(LoadBalancingPolicy.RoundRobin, two);
        Picks.hold(roundRobin, address(two, 0), 3);
        Picks.hold(roundRobin, address(two, 1), 2);
        LoadBalancer balancer = LoadBalancer.create(LoadBalancingPolicy.LeastRequest, two, roundRobin);

        assertThat(Picks.counts(balancer, 200)).isEqualTo(Map.of(address(two, 1), 200L));
    }

    @Test
    void callsInFlightAreWeighedAgainstTheEndpointsWeight() {
        BackendSet backends = Picks.weighted(3, 1);
        LoadBalancer roundRobin = Picks.create(LoadBalancingPolicy.RoundRobin, backends);
        Picks.hold(roundRobin, address(backends, 0), 2); // 2 / 3
        Picks.hold(roundRobin, address(backends, 1), 1); // 1 / 1
        LoadBalancer balancer = LoadBalancer.create(LoadBalancingPolicy.LeastRequest, backends, roundRobin);

        assertThat(Picks.counts(balancer, 100)).as("2 calls on weight 3 weigh less than 1 on weight 1")
                .isEqualTo(Map.of(address(backends, 0), 100L));

        Picks.hold(roundRobin, address(backends, 0), 2); // 4 / 3
        assertThat(Picks.counts(balancer, 100)).as("4 calls on weight 3 weigh more than 1 on weight 1")
                .isEqualTo(Map.of(address(backends, 1), 100L));
    }

    @Test
    void mostLoadedEndpointIsNeverChosenAndTheLeastLoadedWinsEveryDrawItIsIn() {
        BackendSet four = Picks.uniform(4);
        LoadBalancer roundRobin = Picks.create(LoadBalancingPolicy.RoundRobin, four);
        for (int i = 0; i < 4; i++) {
            Picks.hold(roundRobin, address(four, i), i); // 0, 1, 2 and 3 calls in flight
        }
        LoadBalancer balancer = LoadBalancer.create(LoadBalancingPolicy.LeastRequest, four, roundRobin);

        Map<EndpointAddress, Long> counts = Picks.counts(balancer, 12_000);

        // Two distinct of four: the least loaded is in 1/2 of the draws, the next in 1/3, the third in 1/6.
        assertThat(counts).doesNotContainKey(address(four, 3));
        assertThat(counts.get(address(four, 0))).isBetween(6000L - 800, 6000L + 800);
        assertThat(counts.get(address(four, 1))).isBetween(4000L - 800, 4000L + 800);
        assertThat(counts.get(address(four, 2))).isBetween(2000L - 800, 2000L + 800);
    }

    @Test
    void callsThatFinishLowerTheLoadTheBalancerSees() {
        BackendSet two = Picks.uniform(2);
        LoadBalancer balancer = Picks.create(LoadBalancingPolicy.LeastRequest, two);

        Selection first = balancer.pick(null);
        Selection second = balancer.pick(null);
        assertThat(second.endpoint()).as("the second call goes to the idle endpoint").isNotEqualTo(first.endpoint());
        first.finish();
        first.finish(); // finishing twice counts once
        Selection third = balancer.pick(null);

        assertThat(third.endpoint()).isEqualTo(first.endpoint());
        assertThat(balancer.inFlight(first.endpoint().address())).isEqualTo(1);
        assertThat(balancer.inFlight(second.endpoint().address())).isEqualTo(1);
    }
}
