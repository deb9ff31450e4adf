package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The part every policy shares: the candidate list (ready endpoints, or the draining ones when
 * none is ready), their loads and cumulative weights, the "avoid this one" rule, and skipping
 * endpoints that are ejected, unhealthy or still ramping up.
 *
 * <p>The common case costs two volatile reads on the chosen endpoint. Only when it is not
 * available does the pick look further: a few more draws of the policy, then a scan from a random
 * start; when fewer than the panic threshold of the candidates are available it ignores health
 * altogether.
 */
abstract class WeightedLoadBalancer implements LoadBalancer {

    private static final int REDRAWS = 3;

    final Endpoint[] candidates;
    /** The candidates' addresses, made once: {@link Endpoint#address()} makes a new one each time. */
    private final EndpointAddress[] candidateAddresses;
    final EndpointLoad[] candidateLoads;
    /** cumulativeWeights[i] = sum of weights of candidates 0..i. */
    final long[] cumulativeWeights;
    final boolean uniformWeights;
    private final EndpointLoads loads;
    private final LoadBalancers.Health health;

    WeightedLoadBalancer(BackendSet backends, EndpointLoads loads, LoadBalancers.Health health) {
        this.loads = loads;
        this.health = health;
        List<Endpoint> ready = backends.endpoints().stream().filter(e -> e.state() == EndpointState.READY).toList();
        List<Endpoint> chosen = ready.isEmpty() ? backends.endpoints() : ready;
        this.candidates = chosen.toArray(new Endpoint[0]);
        this.candidateAddresses = Arrays.stream(candidates).map(Endpoint::address).toArray(EndpointAddress[]::new);
        this.candidateLoads = Arrays.stream(candidateAddresses).map(loads::get).toArray(EndpointLoad[]::new);
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
        int index = chooseAvoiding(avoid);
        if (!candidateLoads[index].isAvailableFast() || health.slowStartNanos() > 0 && candidateLoads[index].isRamping()) {
            index = pickCarefully(index, avoid);
        }
        return selection(index);
    }

    private Selection selection(int index) {
        return new Selection(candidates[index], candidateAddresses[index], candidateLoads[index], this);
    }

    @Override
    public final Selection pickOther(Collection<EndpointAddress> avoid) {
        int n = candidates.length;
        if (n == 0) {
            return null;
        }
        int index = choose();
        if (!avoid.contains(candidateAddresses[index]) && candidateLoads[index].isAvailableFast()
                && !(health.slowStartNanos() > 0 && candidateLoads[index].isRamping())) {
            return selection(index);
        }
        long now = health.nanoTime().getAsLong();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int candidate = (start + i) % n;
            if (!avoid.contains(candidateAddresses[candidate]) && candidateLoads[candidate].available(now)) {
                return selection(candidate);
            }
        }
        return pick(null); // every other endpoint is in use or unavailable
    }

    private int chooseAvoiding(EndpointAddress avoid) {
        int index = choose();
        if (avoid != null && candidates.length > 1 && candidateAddresses[index].equals(avoid)) {
            index = chooseOther(index);
        }
        return index;
    }

    /** The first choice is unavailable or ramping up: redraw, then scan; panic when too few are available. */
    private int pickCarefully(int first, EndpointAddress avoid) {
        long now = health.nanoTime().getAsLong();
        int n = candidates.length;
        int available = 0;
        for (EndpointLoad load : candidateLoads) {
            if (load.available(now)) {
                available++;
            }
        }
        if (available == 0 || (long) available * 100 < (long) health.panicThresholdPercent() * n) {
            return first; // panic: balance over all candidates as if all were healthy
        }
        int index = first;
        for (int i = 0; i <= REDRAWS; i++) {
            if (candidateLoads[index].available(now) && acceptRamp(candidateLoads[index], now)) {
                return index;
            }
            index = chooseAvoiding(avoid);
        }
        int start = ThreadLocalRandom.current().nextInt(n);
        int fallback = -1;
        for (int i = 0; i < n; i++) {
            int candidate = (start + i) % n;
            if (candidateLoads[candidate].available(now)) {
                if (avoid == null || !candidateAddresses[candidate].equals(avoid)) {
                    return candidate;
                }
                fallback = candidate;
            }
        }
        return fallback >= 0 ? fallback : first;
    }

    /** An endpoint in slow start takes a call with a probability that grows over its window. */
    private boolean acceptRamp(EndpointLoad load, long now) {
        long window = health.slowStartNanos();
        if (window <= 0 || !load.isRamping()) {
            return true;
        }
        return ThreadLocalRandom.current().nextDouble() < load.rampFactor(now, window);
    }

    /** Counts a failure of {@code load}; ejects it after enough in a row if the cap allows. */
    final void recordFailure(EndpointLoad load) {
        OutlierDetection outlier = health.outlier();
        if (!outlier.enabled() || load.failed() < outlier.consecutiveFailures()) {
            return;
        }
        synchronized (loads.ejectionLock()) {
            long now = health.nanoTime().getAsLong();
            if (load.isEjected(now)) {
                return;
            }
            int ejected = 0;
            for (EndpointLoad other : loads.all()) {
                if (other.isEjected(now)) {
                    ejected++;
                }
            }
            int max = Math.max(1, loads.all().size() * outlier.maxEjectionPercent() / 100);
            if (ejected < max) {
                load.eject(now, outlier);
            }
        }
    }

    @Override
    public final void setHealthy(EndpointAddress address, boolean healthy) {
        EndpointLoad load = loads.get(address);
        if (load != null && load.setHealthy(healthy) && healthy && health.slowStartNanos() > 0) {
            load.startRamp(health.nanoTime().getAsLong());
        }
    }

    @Override
    public final boolean isAvailable(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load != null && load.available(health.nanoTime().getAsLong());
    }

    @Override
    public final EndpointStatus status(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load == null ? EndpointStatus.UNKNOWN
                : new EndpointStatus(load.isHealthy(), load.isEjected(health.nanoTime().getAsLong()), load.ejections());
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
