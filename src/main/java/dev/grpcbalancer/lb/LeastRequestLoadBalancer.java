package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import java.util.List;

/** Power of two random choices on calls in flight per unit of weight. */
final class LeastRequestLoadBalancer extends TwoChoiceLoadBalancer {

    LeastRequestLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
    }

    @Override
    int better(int a, int b) {
        // compare inFlight(a)/weight(a) with inFlight(b)/weight(b) without division
        long loadA = (long) candidateLoads[a].inFlight() * candidates[b].weight();
        long loadB = (long) candidateLoads[b].inFlight() * candidates[a].weight();
        return loadB < loadA ? b : a;
    }
}
