package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice. */
final class RandomLoadBalancer extends WeightedLoadBalancer {

    RandomLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
    }

    @Override
    int choose() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return uniformWeights
                ? random.nextInt(candidates.length)
                : indexOfWeightPoint(random.nextLong(totalWeight()));
    }

    @Override
    int chooseOther(int excluded) {
        int other = ThreadLocalRandom.current().nextInt(candidates.length - 1);
        return other >= excluded ? other + 1 : other;
    }
}
