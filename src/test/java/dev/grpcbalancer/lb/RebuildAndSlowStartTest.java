package dev.grpcbalancer.lb;

import static dev.grpcbalancer.lb.Picks.address;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a balancer hands to the one rebuilt from it (calls in flight, health verdicts, slow starts
 * under way), and the slow start ramp itself on a fake clock. A ramping endpoint's pick is kept
 * with probability {@code f = elapsed / window} (at least 0.1), else redrawn: with round robin over
 * four endpoints it gets {@code f / (3 + f)} of the calls, checked within seven standard deviations.
 */
class RebuildAndSlowStartTest {

    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final int CALLS = 8000;

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final BackendSet four = Picks.uniform(4);
    private final EndpointAddress first = address(four, 0);

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void callsInFlightCarryOverToTheRebuiltBalancerAndFinishThere(LoadBalancingPolicy next) {
        LoadBalancer before = Picks.create(LoadBalancingPolicy.RoundRobin, four);
        List<Selection> held = Picks.hold(before, first, 3);

        LoadBalancer after = LoadBalancer.create(next, four, before);
        assertThat(after.inFlight(first)).isEqualTo(3);
        held.get(0).finish();

        assertThat(after.inFlight(first)).isEqualTo(2);
        assertThat(after.inFlight(address(four, 1))).isZero();
    }

    @Test
    void endpointRemovedAndAddedBackStartsAfreshWhileItsOldCallsFinish() {
        LoadBalancer before = Picks.create(LoadBalancingPolicy.RoundRobin, four);
        List<Selection> held = Picks.hold(before, first, 2);
        before.setHealthy(first, false);

        LoadBalancer without = LoadBalancer.create(LoadBalancingPolicy.RoundRobin,
                new BackendSet(four.endpoints().subList(1, 4)), before);
        assertThat(without.inFlight(first)).isZero();
        assertThat(without.status(first)).isEqualTo(LoadBalancer.EndpointStatus.UNKNOWN);
        LoadBalancer back = LoadBalancer.create(LoadBalancingPolicy.RoundRobin, four, without);
        held.forEach(Selection::finish);

        assertThat(back.inFlight(first)).isZero();
        assertThat(back.isAvailable(first)).as("the health verdict went with the endpoint").isTrue();
        assertThat(before.inFlight(first)).isZero();
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void healthVerdictCarriesOverTheRebuild(LoadBalancingPolicy next) {
        LoadBalancer before = Picks.create(LoadBalancingPolicy.RoundRobin, four);
        before.setHealthy(first, false);

        LoadBalancer after = LoadBalancer.create(next, Picks.weighted(5, 1, 1, 1), before);

        assertThat(after.isAvailable(first)).isFalse();
        assertThat(after.status(first)).isEqualTo(new LoadBalancer.EndpointStatus(false, false, 0));
        assertThat(Picks.counts(after, 400)).doesNotContainKey(first).hasSize(3);
    }

    @Test
    void endpointsPresentWhenTheBalancerStartsTakeTheirFullShareAtOnce() {
        LoadBalancer balancer = ramping(four, null);

        assertThat(Picks.counts(balancer, 4000)).containsEntry(first, 1000L);
    }

    @Test
    void endpointAddedToARunningBalancerRampsUpLinearlyOverTheWindow() {
        LoadBalancer before = ramping(new BackendSet(four.endpoints().subList(1, 4)), null);
        LoadBalancer balancer = ramping(four, before);

        assertRampShare(balancer, 0.1); // the floor: 10 % of the way in, or earlier
        advance(WINDOW.dividedBy(4));
        assertRampShare(balancer, 0.25);
        advance(WINDOW.dividedBy(2));
        assertRampShare(balancer, 0.75);
        advance(WINDOW.dividedBy(4));
        assertThat(Picks.counts(balancer, 4000)).as("full share once the window passed").containsEntry(first, 1000L);
    }

    @Test
    void endpointMarkedHealthyAgainRampsUp() {
        LoadBalancer balancer = ramping(four, null);
        balancer.setHealthy(first, false);
        assertThat(Picks.counts(balancer, 400)).doesNotContainKey(first);

        advance(Duration.ofMinutes(1));
        balancer.setHealthy(first, true);
        advance(WINDOW.dividedBy(4));

        assertRampShare(balancer, 0.25);
        balancer.setHealthy(first, true); // the same verdict again restarts nothing
        assertRampShare(balancer, 0.25);
    }

    @Test
    void rebuildDoesNotRestartARampUnderWay() {
        LoadBalancer before = ramping(new BackendSet(four.endpoints().subList(1, 4)), null);
        LoadBalancer ramping = ramping(four, before);
        advance(WINDOW.multipliedBy(3).dividedBy(4));

        LoadBalancer rebuilt = ramping(four, ramping);

        assertRampShare(rebuilt, 0.75);
    }

    private LoadBalancer ramping(BackendSet backends, LoadBalancer previous) {
        return Picks.create(LoadBalancingPolicy.RoundRobin, backends, previous, 50, WINDOW, clock::get);
    }

    private void advance(Duration time) {
        clock.addAndGet(time.toNanos());
    }

    /** {@code first} gets f / (3 + f) of the calls. */
    private void assertRampShare(LoadBalancer balancer, double f) {
        double share = f / (3 + f);
        double expected = CALLS * share;
        double bound = 7 * Math.sqrt(CALLS * share * (1 - share));
        Map<EndpointAddress, Long> counts = Picks.counts(balancer, CALLS);
        assertThat((double) counts.getOrDefault(first, 0L)).as("calls to the ramping endpoint at f = %s", f)
                .isBetween(expected - bound, expected + bound);
    }
}
