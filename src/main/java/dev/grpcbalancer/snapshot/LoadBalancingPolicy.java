package dev.grpcbalancer.snapshot;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** How a balancer picks the endpoint of each call. Names are the resource's spelling. */
public enum LoadBalancingPolicy {
    RoundRobin,
    /** Power of two random choices on the number of calls in flight. */
    LeastRequest,
    Random,
    /**
     * Power of two random choices on (peak-EWMA of response latency) x (calls in flight + 1) per
     * unit of weight.
     */
    PeakEwma,
    /** Maglev consistent hashing on a request header, with bounded loads. */
    ConsistentHash;

    public static Optional<LoadBalancingPolicy> parse(String name) {
        return Arrays.stream(values()).filter(p -> p.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
