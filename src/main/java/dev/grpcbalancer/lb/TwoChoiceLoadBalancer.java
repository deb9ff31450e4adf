package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two random choices: of two distinct random candidates, the one the policy finds
 * {@link #better} (ties go to the first). Cheap, needs no global scan, and avoids the herd
 * behaviour of always picking the single best endpoint.
 */
abstract class TwoChoiceLoadBalancer extends WeightedLoadBalancer {

    TwoChoiceLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
    }

    /** {@code a} or {@code b}, whichever should take the call. */
    abstract int better(int a, int b);

    @Override
    final int choose() {
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
        return better(a, b);
    }

    @Override
    final int chooseOther(int excluded) {
        int n = candidates.length;
        if (n == 2) {
            return 1 - excluded;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = pickExcluding(random, n, excluded, -1);
        int b = pickExcluding(random, n, excluded, a);
        return better(a, b);
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
