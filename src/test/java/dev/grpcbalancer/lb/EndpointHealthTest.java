package dev.grpcbalancer.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Outlier ejection, health verdicts, the panic threshold and slow start, on a fake clock. */
class EndpointHealthTest {

    private static final BackendSet FOUR = new BackendSet(List.of(Endpoint.ready("10.0.0.1", 1),
            Endpoint.ready("10.0.0.2", 1), Endpoint.ready("10.0.0.3", 1), Endpoint.ready("10.0.0.4", 1)));
    private static final EndpointAddress FIRST = new EndpointAddress("10.0.0.1", 1);
    private static final EndpointAddress SECOND = new EndpointAddress("10.0.0.2", 1);
    private static final OutlierDetection OUTLIER = new OutlierDetection(true, 3, OutlierDetection.DEFAULT_ERROR_CODES,
            Duration.ofSeconds(10), Duration.ofSeconds(30), 25);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void endpointFailingThreeTimesInARowTakesNoCallsUntilItsEjectionEnds(LoadBalancingPolicy policy) {
        LoadBalancer balancer = create(policy, FOUR, null, OUTLIER, 0, Duration.ZERO);

        failTimes(balancer, FIRST, 3);

        assertThat(balancer.isAvailable(FIRST)).isFalse();
        assertThat(balancer.status(FIRST)).isEqualTo(new LoadBalancer.EndpointStatus(true, true, 1));
        assertThat(Picks.counts(balancer, 400)).doesNotContainKey(FIRST);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(balancer.isAvailable(FIRST)).isTrue();
        assertThat(balancer.status(FIRST)).as("ejections are counted, not forgotten")
                .isEqualTo(new LoadBalancer.EndpointStatus(true, false, 1));
        assertThat(Picks.counts(balancer, 400)).containsKey(FIRST);
    }

    @Test
    void aSuccessEndsTheRunOfFailures() {
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, FOUR, null, OUTLIER, 0, Duration.ZERO);

        failTimes(balancer, FIRST, 2);
        Picks.until(balancer, FIRST).succeeded();
        failTimes(balancer, FIRST, 2);

        assertThat(balancer.isAvailable(FIRST)).isTrue();
    }

    @Test
    void ejectionsBeyondMaxEjectionPercentAreRefusedAndRepeatedEjectionsLastLonger() {
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, FOUR, null, OUTLIER, 0, Duration.ZERO);

        failTimes(balancer, FIRST, 3);
        failTimes(balancer, SECOND, 3);

        assertThat(balancer.isAvailable(FIRST)).isFalse();
        assertThat(balancer.isAvailable(SECOND)).as("25 % of 4: one endpoint at most").isTrue();

        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        failTimes(balancer, FIRST, 3); // second ejection right after the first: 60 s
        clock.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(balancer.isAvailable(FIRST)).isFalse();
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(balancer.isAvailable(FIRST)).isTrue();
    }

    @Test
    void ejectionStateCarriesOverARebuild() {
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, FOUR, null, OUTLIER, 0, Duration.ZERO);
        failTimes(balancer, FIRST, 3);

        LoadBalancer rebuilt = create(LoadBalancingPolicy.LeastRequest, FOUR, balancer, OUTLIER, 0, Duration.ZERO);

        assertThat(rebuilt.isAvailable(FIRST)).isFalse();
        assertThat(Picks.counts(rebuilt, 200)).doesNotContainKey(FIRST);
    }

    @Test
    void unhealthyEndpointsAreSkippedUntilTooFewAreHealthyThenAllTakeCalls() {
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, FOUR, null, OutlierDetection.DISABLED, 50,
                Duration.ZERO);

        balancer.setHealthy(FIRST, false);
        assertThat(Picks.counts(balancer, 300)).doesNotContainKey(FIRST).hasSize(3);
        balancer.setHealthy(SECOND, false);
        assertThat(Picks.counts(balancer, 300)).as("2 of 4 healthy: not below 50 %").hasSize(2);
        balancer.setHealthy(new EndpointAddress("10.0.0.3", 1), false);
        assertThat(Picks.counts(balancer, 400)).as("1 of 4 healthy: panic, all take calls").hasSize(4);
        balancer.setHealthy(FIRST, true);
        balancer.setHealthy(SECOND, true);
        assertThat(Picks.counts(balancer, 300)).hasSize(3);
    }

    @Test
    void newEndpointRampsUpOverTheSlowStartWindow() {
        BackendSet three = new BackendSet(FOUR.endpoints().subList(1, 4));
        LoadBalancer before = create(LoadBalancingPolicy.RoundRobin, three, null, OutlierDetection.DISABLED, 50,
                Duration.ofSeconds(10));
        LoadBalancer balancer = create(LoadBalancingPolicy.RoundRobin, FOUR, before, OutlierDetection.DISABLED, 50,
                Duration.ofSeconds(10));

        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        long early = Picks.counts(balancer, 4000).getOrDefault(FIRST, 0L);
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        long late = Picks.counts(balancer, 4000).getOrDefault(FIRST, 0L);

        assertThat(early).as("10 % of its share one second in").isBetween(30L, 250L);
        assertThat(late).as("its full share after the window").isBetween(900L, 1100L);
    }

    private LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous,
            OutlierDetection outlier, int panicPercent, Duration slowStart) {
        HealthCheck health = new HealthCheck(false, "", Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1,
                panicPercent);
        return LoadBalancers.create(policy, backends, previous, outlier, health, slowStart, clock::get);
    }

    private static void failTimes(LoadBalancer balancer, EndpointAddress address, int times) {
        for (int i = 0; i < times; i++) {
            Selection selection = Picks.until(balancer, address);
            selection.failed();
            selection.finish();
        }
    }
}
