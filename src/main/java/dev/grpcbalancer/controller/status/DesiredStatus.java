package dev.grpcbalancer.controller.status;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.RuleStatus;
import dev.grpcbalancer.controller.crd.ZoneRoutingStatus;
import java.util.List;

/**
 * The status the controller wants a balancer to show, before condition times are merged in
 * ({@link Conditions#merge}).
 *
 * @param rules per rule, its backendRefs' endpoint counts; {@code null} for a balancer without rules
 * @param zoneRouting endpoints per zone and the routing preference, or {@code null}
 */
public record DesiredStatus(
        long generation, List<Conditions.Desired> conditions, EndpointsStatus endpoints, List<BalancerAddress> addresses,
        List<RuleStatus> rules, ZoneRoutingStatus zoneRouting) {

    public DesiredStatus {
        conditions = List.copyOf(requireNonNull(conditions, "conditions"));
        requireNonNull(endpoints, "endpoints");
        addresses = List.copyOf(requireNonNull(addresses, "addresses"));
        rules = rules == null ? null : List.copyOf(rules);
    }

    /** The number of rules (the RULES column), {@code null} for a balancer without rules. */
    public Integer ruleCount() {
        return rules == null ? null : rules.size();
    }

    /** A status without zones. */
    public DesiredStatus(long generation, List<Conditions.Desired> conditions, EndpointsStatus endpoints,
            List<BalancerAddress> addresses, List<RuleStatus> rules) {
        this(generation, conditions, endpoints, addresses, rules, null);
    }

    /** "ready/total", e.g. {@code 2/3}: the READY column of {@code kubectl get gbal}. */
    public String readyEndpoints() {
        return endpoints.getReady() + "/" + endpoints.getTotal();
    }
}
