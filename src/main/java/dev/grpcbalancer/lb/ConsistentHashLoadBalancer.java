package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consistent hashing with bounded loads: a call's key (the first value of the configured header)
 * picks a slot of a weighted {@link MaglevTable}, whose owner takes the call unless it already holds
 * {@code boundedLoadFactor} times its share of the calls in flight (Mirrokni, Thorup and Zadimoghaddam,
 * "Consistent Hashing with Bounded Loads"), is ejected or unhealthy, or is the endpoint a retry
 * avoids: then the call walks on to the next slots' owners. The walk is the same for every call of
 * a key, so a hot key spills onto a few endpoints rather than all, and an ejected endpoint's keys
 * come back to it when it does. Calls without a key are spread by weighted round robin.
 *
 * <p>Slow start ramps an endpoint up by key: a fixed, growing fraction of its keys (chosen by the
 * key's hash) comes to it, so a key does not flap between two endpoints.
 */
final class ConsistentHashLoadBalancer extends WeightedLoadBalancer {

    /** A walk looks at most this many slots per candidate before it settles for the least loaded. */
    private static final int WALK_PER_CANDIDATE = 8;

    private final int[] table;
    private final double boundedLoadFactor;
    private final AtomicInteger hashedInFlight;
    private final WeightedRoundRobin keyless;

    ConsistentHashLoadBalancer(List<Endpoint> candidates, EndpointLoads loads, LoadBalancers.Settings settings,
            LoadBalancer front) {
        super(candidates, loads, settings, front);
        LoadBalancingOptions.ConsistentHash options = settings.options().consistentHash();
        this.table = this.candidates.length == 0 ? new int[0] : MaglevTable.build(this.candidates, options.tableSize());
        this.boundedLoadFactor = options.boundedLoadFactor();
        this.hashedInFlight = loads.hashedInFlight();
        this.keyless = new WeightedRoundRobin(this);
    }

    @Override
    Selection pick(EndpointAddress avoid, CharSequence hashKey) {
        if (hashKey == null || candidates.length == 0) {
            return super.pick(avoid, null);
        }
        long hash = KeyHash.hash(hashKey, 0);
        int size = table.length;
        int slot = (int) Long.remainderUnsigned(hash, size);
        int steps = (int) Math.min(size, (long) WALK_PER_CANDIDATE * candidates.length + 16);
        int total = hashedInFlight.get();
        long now = 0;
        boolean panic = false;
        int leastLoaded = -1;
        for (int step = 0; step < steps; step++) {
            int index = table[slot];
            slot = slot + 1 == size ? 0 : slot + 1;
            if (avoid != null && candidates.length > 1 && candidateAddresses[index].equals(avoid)) {
                continue;
            }
            EndpointLoad load = candidateLoads[index];
            if (!load.isAvailableFast() || load.isRamping()) {
                if (now == 0) {
                    now = now();
                    panic = panicking(now);
                }
                if (!panic && !(load.available(now) && acceptRampFor(hash, load, now))) {
                    continue;
                }
            }
            if (underBound(index, total)) {
                return select(index);
            }
            if (leastLoaded < 0 || relativeLoad(index) < relativeLoad(leastLoaded)) {
                leastLoaded = index;
            }
        }
        return leastLoaded >= 0 ? select(leastLoaded) : super.pick(avoid, null);
    }

    /** Whether candidate {@code index} holds fewer calls than its bound with {@code total} calls in flight. */
    private boolean underBound(int index, int total) {
        double bound = Math.ceil(boundedLoadFactor * (total + 1) * candidates[index].weight() / totalWeight());
        return candidateLoads[index].inFlight() < bound;
    }

    private double relativeLoad(int index) {
        return (double) candidateLoads[index].inFlight() / candidates[index].weight();
    }

    /** A ramping endpoint takes the keys whose hash falls in the growing fraction it may take now. */
    private boolean acceptRampFor(long hash, EndpointLoad load, long now) {
        long window = settings.slowStartNanos();
        if (window <= 0 || !load.isRamping()) {
            return true;
        }
        double position = (hash >>> 11) * 0x1.0p-53; // uniform in [0, 1), independent of the slot
        return position < load.rampFactor(now, window);
    }

    @Override
    AtomicInteger countedInFlight() {
        return hashedInFlight;
    }

    @Override
    int choose() {
        return keyless.next();
    }

    @Override
    int chooseOther(int excluded) {
        return (excluded + 1) % candidates.length;
    }
}
