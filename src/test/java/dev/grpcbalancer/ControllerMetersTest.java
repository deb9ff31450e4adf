package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.snapshot.BalancerId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The controller's per-balancer condition gauges ({@code grpcbalancer_controller_balancer_condition}),
 * which the not-Programmed and not-Accepted alerts read: 1 for True, 0 otherwise, following the
 * statuses each reconcile run plans, and gone with the balancer.
 */
class ControllerMetersTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final BalancerId PAYMENTS = new BalancerId("shop", "payments");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ControllerMeters meters = new ControllerMeters(registry);

    @Test
    void everyConditionOfEveryBalancerIsOneWhenTrueAndZeroOtherwise() {
        meters.planned(Map.of(
                GREETER, status("True", "True", "True", "True"),
                PAYMENTS, status("False", "True", "False", "Unknown")));

        assertThat(condition(GREETER, "Programmed")).isEqualTo(1);
        assertThat(condition(GREETER, "BackendsAvailable")).isEqualTo(1);
        assertThat(condition(PAYMENTS, "Accepted")).isZero();
        assertThat(condition(PAYMENTS, "ResolvedRefs")).isEqualTo(1);
        assertThat(condition(PAYMENTS, "Programmed")).isZero();
        assertThat(condition(PAYMENTS, "BackendsAvailable")).as("Unknown").isZero();
    }

    @Test
    void aLaterPlanChangesTheValuesAndADeletedBalancerLeavesNoSeries() {
        meters.planned(Map.of(
                GREETER, status("True", "True", "False", "Unknown"),
                PAYMENTS, status("True", "True", "True", "True")));

        meters.planned(Map.of(GREETER, status("True", "True", "True", "True")));

        assertThat(condition(GREETER, "Programmed")).isEqualTo(1);
        assertThat(registry.find("grpcbalancer.controller.balancer.condition").tag("balancer", "shop/payments").gauges())
                .isEmpty();
        assertThat(registry.find("grpcbalancer.controller.balancer.condition").gauges()).hasSize(4);
    }

    private double condition(BalancerId balancer, String type) {
        return registry.get("grpcbalancer.controller.balancer.condition").tag("balancer", balancer.toString())
                .tag("condition", type).gauge().value();
    }

    private static DesiredStatus status(String accepted, String resolvedRefs, String programmed, String backendsAvailable) {
        return new DesiredStatus(1, List.of(
                new Conditions.Desired("Accepted", accepted, "Reason", "message"),
                new Conditions.Desired("ResolvedRefs", resolvedRefs, "Reason", "message"),
                new Conditions.Desired("Programmed", programmed, "Reason", "message"),
                new Conditions.Desired("BackendsAvailable", backendsAvailable, "Reason", "message")),
                new EndpointsStatus(1, 1, 0), List.of(), null);
    }
}
