package dev.grpcbalancer.lb;

import static dev.grpcbalancer.lb.Picks.address;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rules every policy shares, whatever its own choice: which endpoints are candidates (draining
 * ones only when none is ready), the endpoint a retry avoids, and what happens when too few
 * endpoints are available. (Outlier ejection and the 50 % panic threshold: {@link EndpointHealthTest}.)
 */
class CandidateRulesTest {

    private static final BackendSet MIXED = new BackendSet(List.of(
            Endpoint.ready("10.0.0.1", 50051),
            Endpoint.ready("10.0.0.2", 50051).withState(EndpointState.DRAINING),
            Endpoint.ready("10.0.0.3", 50051),
            Endpoint.ready("10.0.0.4", 50051).withState(EndpointState.DRAINING)));

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void drainingEndpointsTakeNoCallsWhileAnyEndpointIsReady(LoadBalancingPolicy policy) {
        Map<EndpointAddress, Long> counts = Picks.counts(Picks.create(policy, MIXED), 400);

        assertThat(counts).containsOnlyKeys(address(MIXED, 0), address(MIXED, 2));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void drainingEndpointsTakeCallsWhenNoneIsReady(LoadBalancingPolicy policy) {
        BackendSet draining = new BackendSet(List.of(MIXED.endpoints().get(1), MIXED.endpoints().get(3)));

        Map<EndpointAddress, Long> counts = Picks.counts(Picks.create(policy, draining), 400);

        assertThat(counts).containsOnlyKeys(address(MIXED, 1), address(MIXED, 3));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void balancerWithoutEndpointsPicksNothing(LoadBalancingPolicy policy) {
        LoadBalancer balancer = Picks.create(policy, BackendSet.EMPTY);

        assertThat(balancer.pick(null)).isNull();
        assertThat(balancer.pick(new EndpointAddress("10.0.0.1", 50051))).isNull();
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void retryAvoidsTheEndpointItFailedOnWhileAnotherCanTakeIt(LoadBalancingPolicy policy) {
        BackendSet three = Picks.uniform(3);
        LoadBalancer balancer = Picks.create(policy, three);

        Map<EndpointAddress, Long> counts = Picks.counts(balancer, 600, address(three, 1));

        assertThat(counts).containsOnlyKeys(address(three, 0), address(three, 2));
        assertThat(counts.values()).allSatisfy(calls -> assertThat(calls).isGreaterThan(150L));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void avoidedEndpointStillTakesTheRetryWhenItIsTheOnlyCandidate(LoadBalancingPolicy policy) {
        BackendSet one = Picks.uniform(1);

        assertThat(Picks.counts(Picks.create(policy, one), 10, address(one, 0))).isEqualTo(Map.of(address(one, 0), 10L));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void avoidedEndpointStillTakesTheRetryWhenNoOtherIsAvailable(LoadBalancingPolicy policy) {
        BackendSet three = Picks.uniform(3);
        LoadBalancer balancer = withPanicThreshold(policy, three, 0);
        unhealthy(balancer, three, 0, 2);

        assertThat(Picks.counts(balancer, 100, address(three, 1))).isEqualTo(Map.of(address(three, 1), 100L));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void panicThresholdZeroKeepsCallsOnTheLastAvailableEndpoint(LoadBalancingPolicy policy) {
        BackendSet four = Picks.uniform(4);
        LoadBalancer balancer = withPanicThreshold(policy, four, 0);
        unhealthy(balancer, four, 1, 2, 3);

        assertThat(Picks.counts(balancer, 400)).isEqualTo(Map.of(address(four, 0), 400L));
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void belowThePanicThresholdEveryEndpointTakesCalls(LoadBalancingPolicy policy) {
        BackendSet four = Picks.uniform(4);
        LoadBalancer balancer = withPanicThreshold(policy, four, 75);
        unhealthy(balancer, four, 3);
        assertThat(Picks.counts(balancer, 400)).as("3 of 4 available: not below 75 %").hasSize(3);

        unhealthy(balancer, four, 2);

        assertThat(Picks.counts(balancer, 800)).as("2 of 4 available: panic").hasSize(4);
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void withNoAvailableEndpointEveryEndpointTakesCallsWhateverTheThreshold(LoadBalancingPolicy policy) {
        BackendSet three = Picks.uniform(3);
        LoadBalancer balancer = withPanicThreshold(policy, three, 0);
        unhealthy(balancer, three, 0, 1, 2);

        assertThat(Picks.counts(balancer, 600)).hasSize(3);
    }

    private static LoadBalancer withPanicThreshold(LoadBalancingPolicy policy, BackendSet backends, int percent) {
        return Picks.create(policy, backends, null, percent, Duration.ZERO, System::nanoTime);
    }

    /** The health check's verdict on the endpoints at {@code indexes}: unhealthy. */
    private static void unhealthy(LoadBalancer balancer, BackendSet backends, int... indexes) {
        for (int i : indexes) {
            balancer.setHealthy(address(backends, i), false);
        }
    }
}
