package dev.grpcbalancer.controller.status;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import java.util.List;

/**
 * The status the controller wants a balancer to show, before condition times are merged in
 * ({@link Conditions#merge}).
 */
public record DesiredStatus(
        long generation, List<Conditions.Desired> conditions, EndpointsStatus endpoints, List<BalancerAddress> addresses) {

    public DesiredStatus {
        conditions = List.copyOf(requireNonNull(conditions, "conditions"));
        requireNonNull(endpoints, "endpoints");
        addresses = List.copyOf(requireNonNull(addresses, "addresses"));
    }

    /** "ready/total", e.g. {@code 2/3}: the READY column of {@code kubectl get gbal}. */
    public String readyEndpoints() {
        return endpoints.getReady() + "/" + endpoints.getTotal();
    }
}
