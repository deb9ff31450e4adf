package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part every policy shares: the candidate list (chosen by the factory: ready endpoints, or the
 * draining ones when none is ready, or a zone's share of them), their loads and cumulative
 * weights, the "avoid this one" rule, and skipping endpoints that are ejected, unhealthy or still
 * ramping up.
 *
 * <p>The common case costs two volatile reads on the chosen endpoint. Only when it is not
 * available does the pick look further: a few more draws of the policy, then a scan from a random
 * start; when fewer than the panic threshold of the candidates are available it ignores health
 * altogether.
 */
abstract class WeightedLoadBalancer {

    private static final int REDRAWS = 3;

    final Endpoint[] candidates;
    /** The candidates' addresses, made once: {@link Endpoint#address()} makes a new one each time. */
    final EndpointAddress[] candidateAddresses;
    final EndpointLoad[] candidateLoads;
    /** cumulativeWeights[i] = sum of weights of candidates 0..i. */
    final long[] cumulativeWeights;
    final boolean uniformWeights;
    /** Per candidate, seen from the balancer: {@link LocalityCounts#SAME_ZONE} and so on. */
    private final byte[] candidateLocality;
    private final boolean countsLocality;
    final EndpointLoads loads;
    final LoadBalancers.Settings settings;
    private final LoadBalancer front;

    /**
     * @param front the {@link LoadBalancer} this policy works behind (its selections name it as
     *     theirs)
     */
    WeightedLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        this.loads = loads;
        this.settings = settings;
        this.front = front;
        this.candidates = candidates.toArray(new Endpoint[0]);
        this.candidateAddresses = Arrays.stream(this.candidates).map(Endpoint::address).toArray(EndpointAddress[]::new);
        this.candidateLoads = Arrays.stream(candidateAddresses).map(loads::get).toArray(EndpointLoad[]::new);
        this.cumulativeWeights = new long[this.candidates.length];
        this.candidateLocality = new byte[this.candidates.length];
        long sum = 0;
        boolean uniform = true;
        String localZone = settings.local().zone();
        for (int i = 0; i < this.candidates.length; i++) {
            sum += this.candidates[i].weight();
            cumulativeWeights[i] = sum;
            uniform &= this.candidates[i].weight() == this.candidates[0].weight();
            candidateLocality[i] = LocalityCounts.of(localZone, this.candidates[i].zone());
        }
        this.uniformWeights = uniform;
        this.countsLocality = !localZone.isEmpty();
    }

    /** Index of a candidate for a new call; only called when there are at least one candidate. */
    abstract int choose();

    /** Index of a candidate other than {@code excluded}; only called with at least two candidates. */
    abstract int chooseOther(int excluded);

    /**
     * Picks a candidate for a new call ({@code hashKey} is ignored except by ConsistentHash); null
     * when there is no candidate.
     */
    Selection pick(EndpointAddress avoid, CharSequence hashKey) {
        int n = candidates.length;
        if (n == 0) {
            return null;
        }
        int index = chooseAvoiding(avoid);
        if (!candidateLoads[index].isAvailableFast() || settings.slowStartNanos() > 0 && candidateLoads[index].isRamping()) {
            index = pickCarefully(index, avoid);
        }
        return select(index);
    }

    /**
     * Picks a candidate for a hedged attempt: one outside {@code avoid} if any is available, else
     * as {@link #pick} would.
     */
    final Selection pickOther(Collection<EndpointAddress> avoid) {
        int n = candidates.length;
        if (n == 0) {
            return null;
        }
        int index = choose();
        if (!avoid.contains(candidateAddresses[index]) && candidateLoads[index].isAvailableFast()
                && !(settings.slowStartNanos() > 0 && candidateLoads[index].isRamping())) {
            return select(index);
        }
        long now = now();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int candidate = (start + i) % n;
            if (!avoid.contains(candidateAddresses[candidate]) && candidateLoads[candidate].available(now)) {
                return select(candidate);
            }
        }
        return pick(null, null); // every other endpoint is in use or unavailable
    }

    /** The selection of candidate {@code index}, counted by locality. */
    final Selection select(int index) {
        if (countsLocality) {
            loads.localityCounts().count(candidateLocality[index]);
        }
        return new Selection(candidates[index], candidateAddresses[index], candidateLoads[index], this, countedInFlight());
    }

    /** The calls in flight a load bound counts (ConsistentHash), or null. */
    AtomicInteger countedInFlight() {
        return null;
    }

    /** Whether the policy learns from latency: its selections then time the response headers. */
    boolean measuresLatency() {
        return false;
    }

    /** A call on {@code load} got its response headers {@code nanos} after its request headers went out. */
    void latencySample(EndpointLoad load, long nanos, long now) {
    }

    final long now() {
        return settings.nanoTime().getAsLong();
    }

    final LoadBalancer front() {
        return front;
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
        long now = now();
        int n = candidates.length;
        if (panicking(now)) {
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

    /** Fewer candidates than the panic threshold are available (or none is): health is ignored. */
    final boolean panicking(long now) {
        int available = availableCount(now);
        return available == 0 || (long) available * 100 < (long) settings.panicThresholdPercent() * candidates.length;
    }

    /** Candidates that take calls now (not ejected, not unhealthy). */
    final int availableCount(long now) {
        int available = 0;
        for (EndpointLoad load : candidateLoads) {
            if (load.available(now)) {
                available++;
            }
        }
        return available;
    }

    /** An endpoint in slow start takes a call with a probability that grows over its window. */
    final boolean acceptRamp(EndpointLoad load, long now) {
        long window = settings.slowStartNanos();
        if (window <= 0 || !load.isRamping()) {
            return true;
        }
        return ThreadLocalRandom.current().nextDouble() < load.rampFactor(now, window);
    }

    /** Counts a failure of {@code load}; ejects it after enough in a row if the cap allows. */
    final void recordFailure(EndpointLoad load) {
        OutlierDetection outlier = settings.outlier();
        if (!outlier.enabled() || load.failed() < outlier.consecutiveFailures()) {
            return;
        }
        synchronized (loads.ejectionLock()) {
            long now = now();
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

    final long totalWeight() {
        return cumulativeWeights.length == 0 ? 0 : cumulativeWeights[cumulativeWeights.length - 1];
    }

    /** The candidate that owns point {@code p} of [0, totalWeight). */
    final int indexOfWeightPoint(long p) {
        int found = Arrays.binarySearch(cumulativeWeights, p + 1);
        return found >= 0 ? found : -found - 1;
    }
}
