package dev.grpcbalancer.lb;

import java.math.BigInteger;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin over a candidate list without locks. Call k takes point
 * {@code (k * stride) mod W} of the weight line [0, W), where W is the total weight and the stride
 * is coprime to W: every W calls visit every point once, so each candidate gets exactly its
 * weight's share, interleaved rather than in runs. The counter starts at a random point so that
 * replicas do not move in step.
 */
final class WeightedRoundRobin {

    private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));
    private final WeightedLoadBalancer candidates;
    private final long stride;

    WeightedRoundRobin(WeightedLoadBalancer candidates) {
        this.candidates = candidates;
        this.stride = candidates.uniformWeights ? 1 : coprimeStride(candidates.totalWeight());
    }

    /** The next candidate's index; there is at least one candidate. */
    int next() {
        long k = counter.getAndIncrement() & Long.MAX_VALUE;
        if (candidates.uniformWeights) {
            return (int) (k % candidates.candidates.length);
        }
        long total = candidates.totalWeight();
        return candidates.indexOfWeightPoint(mulMod(k % total, stride, total));
    }

    /** A stride near W times the golden ratio's fraction that shares no factor with W. */
    static long coprimeStride(long total) {
        if (total <= 2) {
            return 1;
        }
        long stride = Math.max(1, Math.round(total * 0.6180339887));
        while (gcd(stride, total) != 1) {
            stride++;
        }
        return stride;
    }

    /** (a * b) mod m for 0 <= a, b < m without overflow. */
    static long mulMod(long a, long b, long m) {
        return Math.multiplyHigh(a, b) == 0 && a * b >= 0
                ? (a * b) % m
                : BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(BigInteger.valueOf(m)).longValue();
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
