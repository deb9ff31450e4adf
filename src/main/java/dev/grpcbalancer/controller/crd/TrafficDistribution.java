package dev.grpcbalancer.controller.crd;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The values of Kubernetes' Service {@code spec.trafficDistribution} that grpc-balancer honours,
 * also accepted in {@code spec.loadBalancing.zoneAware.trafficDistribution}. PreferClose is the
 * older name of PreferSameZone.
 */
public enum TrafficDistribution {
    PreferClose,
    PreferSameZone,
    PreferSameNode;

    public static Optional<TrafficDistribution> parse(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
