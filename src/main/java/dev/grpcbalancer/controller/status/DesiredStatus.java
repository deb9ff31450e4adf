package dev.grpcbalancer.controller.status;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.ZoneRoutingStatus;
import java.util.List;

/**
 * The status the controller wants a balancer to show, before condition times are merged in
 * ({@link Conditions#merge}).
 *
 * @param zoneRouting endpoints per zone and the routing preference, or {@code null}
 */
public record DesiredStatus(
        long generation, List<Conditions.Desired> conditions, EndpointsStatus endpoints, List<BalancerAddress> addresses,
        ZoneRoutingStatus zoneRouting) {

    public DesiredStatus {
        conditions = List.copyOf(requireNonNull(conditions, "conditions"));
        requireNonNull(endpoints, "endpoints");
        addresses = List.copyOf(requireNonNull(addresses, "addresses"));
    }

    /** A status without zones. */
    public DesiredStatus(long generation, List<Conditions.Desired> conditions, EndpointsStatus endpoints,
            List<BalancerAddress> addresses) {
        this(generation, conditions, endpoints, addresses, null);
    }

    /** "ready/total", e.g. {@code 2/3}: the READY column of {@code kubectl get gbal}. */
    public String readyEndpoints() {
        return endpoints.getReady() + "/" + endpoints.getTotal();
    }
}
