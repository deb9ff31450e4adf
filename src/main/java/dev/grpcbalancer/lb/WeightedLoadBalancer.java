package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import java.util.Arrays;
import java.util.List;

/**
 * The part every policy shares: the candidate list (ready endpoints, or the draining ones when
 * none is ready), their loads and cumulative weights, and the "avoid this one" rule.
 */
abstract class WeightedLoadBalancer implements LoadBalancer {

    final Endpoint[] candidates;
    final EndpointLoad[] candidateLoads;
    /** cumulativeWeights[i] = sum of weights of candidates 0..i. */
    final long[] cumulativeWeights;
    final boolean uniformWeights;
    private final EndpointLoads loads;

    WeightedLoadBalancer(BackendSet backends, EndpointLoads loads) {
        this.loads = loads;
        List<Endpoint> ready = backends.endpoints().stream().filter(e -> e.state() == EndpointState.READY).toList();
        List<Endpoint> chosen = ready.isEmpty() ? backends.endpoints() : ready;
        this.candidates = chosen.toArray(new Endpoint[0]);
        this.candidateLoads = Arrays.stream(candidates).map(e -> loads.get(e.address())).toArray(EndpointLoad[]::new);
        this.cumulativeWeights = new long[candidates.length];
        long sum = 0;
        boolean uniform = true;
        for (int i = 0; i < candidates.length; i++) {
            sum += candidates[i].weight();
            cumulativeWeights[i] = sum;
            uniform &= candidates[i].weight() == candidates[0].weight();
        }
        this.uniformWeights = uniform;
    }

    /** Index of a candidate for a new call; only called when there are at least one candidate. */
    abstract int choose();

    /** Index of a candidate other than {@code excluded}; only called with at least two candidates. */
    abstract int chooseOther(int excluded);

    @Override
    public final Selection pick(EndpointAddress avoid) {
        int n = candidates.length;
        if (n == 0) {
            return null;
        }
        int index = choose();
        if (avoid != null && n > 1 && candidates[index].address().equals(avoid)) {
            index = chooseOther(index);
        }
        return new Selection(candidates[index], candidateLoads[index]);
    }

    @Override
    public final int inFlight(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load == null ? 0 : load.inFlight();
    }

    final EndpointLoads loads() {
        return loads;
    }

    final long totalWeight() {
        return cumulativeWeights.length == 0 ? 0 : cumulativeWeights[cumulativeWeights.length - 1];
    }

    /** The candidate that owns point {@code p} of [0, totalWeight). */
    final int indexOfWeightPoint(long p) {
        int found = Arrays.binarySearch(cumulativeWeights, p + 1);
        return found >= 0 ? found : -found - 1;
    }
}
