package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import java.util.List;

/** Weighted round robin without locks ({@link WeightedRoundRobin}). */
final class RoundRobinLoadBalancer extends WeightedLoadBalancer {

    private final WeightedRoundRobin rotation;

    RoundRobinLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
        this.rotation = new WeightedRoundRobin(this);
    }

    @Override
    int choose() {
        return rotation.next();
    }

    @Override
    int chooseOther(int excluded) {
        return (excluded + 1) % candidates.length;
    }
}
