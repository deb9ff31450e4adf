package dev.grpcbalancer.lb;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses among a few weighted options (a route's backends) without locks: over every period of
 * calls each option gets exactly its weight's share, interleaved rather than in runs. Weights are
 * first divided by their greatest common divisor, so 95/5 has a period of 20 calls and any 100
 * consecutive calls split exactly 95/5.
 *
 * <p>Call k takes entry {@code k mod P} of a schedule fixed at construction. For a period P of at
 * most {@value #MAX_SCHEDULE} calls the schedule is nginx's smooth weighted round robin (each step
 * adds every weight to its option's credit, takes the option with the most credit and charges it
 * P); longer periods (weights such as 999999/1) use the point {@code (k × s) mod P} of the weight
 * line with a stride s coprime to P, which is exact over every P calls as well. The counter
 * starts at a random call so that replicas do not move in step. Options of weight 0 are never
 * chosen.
 */
final class WeightedSplit {

    static final int MAX_SCHEDULE = 1024;

    private final int[] schedule;
    private final long[] cumulative;
    private final long period;
    private final long stride;
    private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));

    private WeightedSplit(int[] schedule, long[] cumulative, long period, long stride) {
        this.schedule = schedule;
        this.cumulative = cumulative;
        this.period = period;
        this.stride = stride;
    }

    /** A split over {@code weights} (each 0 or more); {@link #next()} returns an index into them. */
    static WeightedSplit of(int[] weights) {
        long gcd = 0;
        for (int weight : weights) {
            if (weight < 0) {
                throw new IllegalArgumentException("weights must not be negative: " + Arrays.toString(weights));
            }
            gcd = gcd(gcd, weight);
        }
        if (gcd == 0) {
            return new WeightedSplit(new int[0], new long[0], 0, 1);
        }
        long[] reduced = new long[weights.length];
        long[] cumulative = new long[weights.length];
        long period = 0;
        for (int i = 0; i < weights.length; i++) {
            reduced[i] = weights[i] / gcd;
            period += reduced[i];
            cumulative[i] = period;
        }
        if (period <= MAX_SCHEDULE) {
            return new WeightedSplit(smoothSchedule(reduced, (int) period), cumulative, period, 1);
        }
        return new WeightedSplit(null, cumulative, period, WeightedRoundRobin.coprimeStride(period));
    }

    /** One period of smooth weighted round robin over {@code weights}, which add up to {@code period}. */
    private static int[] smoothSchedule(long[] weights, int period) {
        int[] schedule = new int[period];
        long[] credit = new long[weights.length];
        for (int step = 0; step < period; step++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] == 0) {
                    continue;
                }
                credit[i] += weights[i];
                if (best < 0 || credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= period;
            schedule[step] = best;
        }
        return schedule;
    }

    /** The index of the option for the next call; -1 when every weight is 0. */
    int next() {
        if (period == 0) {
            return -1;
        }
        long k = (counter.getAndIncrement() & Long.MAX_VALUE) % period;
        if (schedule != null) {
            return schedule[(int) k];
        }
        long point = WeightedRoundRobin.mulMod(k, stride, period);
        int found = Arrays.binarySearch(cumulative, point + 1);
        return found >= 0 ? found : -found - 1;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
