package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two random choices: of two distinct random candidates, the one with fewer calls in
 * flight per unit of weight (ties go to the first). Cheap, needs no global scan, and avoids the
 * herd behaviour of always picking the single least loaded endpoint.
 */
final class LeastRequestLoadBalancer extends WeightedLoadBalancer {

    LeastRequestLoadBalancer(BackendSet backends, EndpointLoads loads, LoadBalancers.Health health) {
        super(backends, loads, health);
    }

    @Override
    int choose() {
        int n = candidates.length;
        if (n == 1) {
            return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = random.nextInt(n);
        int b = random.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        return lessLoaded(a, b);
    }

    @Override
    int chooseOther(int excluded) {
        int n = candidates.length;
        if (n == 2) {
            return 1 - excluded;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = pickExcluding(random, n, excluded, -1);
        int b = pickExcluding(random, n, excluded, a);
        return lessLoaded(a, b);
    }

    private int lessLoaded(int a, int b) {
        // compare inFlight(a)/weight(a) with inFlight(b)/weight(b) without division
        long loadA = (long) candidateLoads[a].inFlight() * candidates[b].weight();
        long loadB = (long) candidateLoads[b].inFlight() * candidates[a].weight();
        return loadB < loadA ? b : a;
    }

    private static int pickExcluding(ThreadLocalRandom random, int n, int x, int y) {
        while (true) {
            int i = random.nextInt(n);
            if (i != x && i != y) {
                return i;
            }
        }
    }
}
