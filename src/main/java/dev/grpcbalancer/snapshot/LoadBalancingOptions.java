package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * The tunables of the load-balancing policies and of zone-aware routing.
 *
 * @param peakEwmaDecay PeakEwma: how fast old latency samples fade (the EWMA's time constant)
 * @param consistentHash ConsistentHash: the header hashed, the table and the load bound; ignored by
 *     other policies
 * @param minZoneSharePercent zone-aware routing keeps calls in the local zone while its available
 *     endpoints make at least this percent of an even share of all available endpoints (all
 *     available endpoints / zones); below it, calls spread over every zone. 0: spill over only
 *     when the local zone has no endpoint available
 */
public record LoadBalancingOptions(Duration peakEwmaDecay, ConsistentHash consistentHash, int minZoneSharePercent) {

    public static final Duration DEFAULT_PEAK_EWMA_DECAY = Duration.ofSeconds(10);
    public static final int DEFAULT_MIN_ZONE_SHARE_PERCENT = 50;

    public static final LoadBalancingOptions DEFAULT = new LoadBalancingOptions(DEFAULT_PEAK_EWMA_DECAY,
            ConsistentHash.NONE, DEFAULT_MIN_ZONE_SHARE_PERCENT);

    public LoadBalancingOptions {
        requireNonNull(peakEwmaDecay, "peakEwmaDecay");
        requireNonNull(consistentHash, "consistentHash");
        if (peakEwmaDecay.isNegative() || peakEwmaDecay.isZero()) {
            throw new IllegalArgumentException("peakEwmaDecay must be positive: " + peakEwmaDecay);
        }
        if (minZoneSharePercent < 0 || minZoneSharePercent > 100) {
            throw new IllegalArgumentException("minZoneSharePercent must be 0..100: " + minZoneSharePercent);
        }
    }

    public LoadBalancingOptions withConsistentHash(ConsistentHash hash) {
        return new LoadBalancingOptions(peakEwmaDecay, hash, minZoneSharePercent);
    }

    public LoadBalancingOptions withPeakEwmaDecay(Duration decay) {
        return new LoadBalancingOptions(decay, consistentHash, minZoneSharePercent);
    }

    public LoadBalancingOptions withMinZoneSharePercent(int percent) {
        return new LoadBalancingOptions(peakEwmaDecay, consistentHash, percent);
    }

    /**
     * Consistent hashing on the first value of a request header.
     *
     * @param header the header's name, lowercase; empty for none (every call is spread as by
     *     RoundRobin)
     * @param tableSize entries of the Maglev lookup table, a prime; more entries spread keys more
     *     evenly over many endpoints and cost memory (4 bytes each)
     * @param boundedLoadFactor no endpoint takes more than this times the average calls in flight
     *     (per unit of weight); the excess walks on to the next endpoint in the table
     */
    public record ConsistentHash(String header, int tableSize, double boundedLoadFactor) {

        public static final int DEFAULT_TABLE_SIZE = 65_537;
        public static final int MIN_TABLE_SIZE = 251;
        public static final int MAX_TABLE_SIZE = 5_000_011;
        public static final double DEFAULT_BOUNDED_LOAD_FACTOR = 1.25;
        public static final double MAX_BOUNDED_LOAD_FACTOR = 100;

        public static final ConsistentHash NONE = new ConsistentHash("", DEFAULT_TABLE_SIZE, DEFAULT_BOUNDED_LOAD_FACTOR);

        public ConsistentHash {
            requireNonNull(header, "header");
            if (!header.equals(header.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header must be lowercase: " + header);
            }
            if (tableSize < MIN_TABLE_SIZE || tableSize > MAX_TABLE_SIZE || !isPrime(tableSize)) {
                throw new IllegalArgumentException("tableSize must be a prime in " + MIN_TABLE_SIZE + ".."
                        + MAX_TABLE_SIZE + ": " + tableSize);
            }
            if (!(boundedLoadFactor > 1) || boundedLoadFactor > MAX_BOUNDED_LOAD_FACTOR) {
                throw new IllegalArgumentException("boundedLoadFactor must be more than 1 and at most "
                        + MAX_BOUNDED_LOAD_FACTOR + ": " + boundedLoadFactor);
            }
        }

        public static boolean isPrime(long n) {
            if (n < 2) {
                return false;
            }
            for (long d = 2; d * d <= n; d++) {
                if (n % d == 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
