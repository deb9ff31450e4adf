package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

/**
 * Hedging, as gRPC's retry design (gRFC A6) defines it: a call that has no response headers
 * after {@code hedgingDelay} gets another attempt on another endpoint, up to {@code maxAttempts}
 * in all; the first attempt with response headers wins and the others are cancelled. An attempt
 * that ends with one of {@code nonFatalStatusCodes} ends only itself (the next hedge starts at
 * once); any other status ends the call. Exclusive with retries: a balancer retries or hedges.
 *
 * @param maxAttempts attempts per call, the first included, 2..{@value #MAX_ATTEMPTS}; 1 turns
 *     hedging off
 * @param hedgingDelay how long an attempt may go without response headers before the next starts
 * @param nonFatalStatusCodes codes that end one attempt, not the call
 */
public record HedgingPolicy(int maxAttempts, Duration hedgingDelay, Set<GrpcCode> nonFatalStatusCodes) {

    public static final int MAX_ATTEMPTS = 5;
    /** No hedging. */
    public static final HedgingPolicy DISABLED = new HedgingPolicy(1, Duration.ZERO, Set.of());

    public HedgingPolicy {
        requireNonNull(hedgingDelay, "hedgingDelay");
        nonFatalStatusCodes = Set.copyOf(requireNonNull(nonFatalStatusCodes, "nonFatalStatusCodes"));
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("maxAttempts must be 1.." + MAX_ATTEMPTS + ": " + maxAttempts);
        }
        if (hedgingDelay.isNegative() || maxAttempts > 1 && hedgingDelay.isZero()) {
            throw new IllegalArgumentException("hedgingDelay must be positive: " + hedgingDelay);
        }
        if (nonFatalStatusCodes.contains(GrpcCode.OK)) {
            throw new IllegalArgumentException("nonFatalStatusCodes must not hold OK");
        }
    }

    public boolean enabled() {
        return maxAttempts > 1;
    }

    /** Whether an attempt that ended with {@code code} leaves the call to its other attempts. */
    public boolean nonFatal(GrpcCode code) {
        return nonFatalStatusCodes.contains(code);
    }
}
