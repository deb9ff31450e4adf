package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * When and how often a call is tried again on another endpoint.
 *
 * <p>A call that provably never reached a backend (the connect failed, the stream was refused, it
 * was above a GOAWAY's last stream) is always retryable: retrying it cannot run a request twice.
 * {@code retryOn} adds gRPC codes: a trailers-only response with one of them, or a reset after the
 * request was sent that maps to one of them, is retried too. Either way only while no response
 * headers went to the client and the request still fits the replay buffer.
 *
 * @param numRetries attempts after the first, 0..10; 0 turns retries off
 * @param retryOn gRPC codes that make an attempt retryable (besides never having reached a backend)
 * @param perTryTimeout how long one attempt may wait for its response headers before it is
 *     abandoned and retried; {@link Duration#ZERO} for no limit but the call's own deadline
 * @param backoffBase first retry waits a random time in [0, base); each further retry doubles the bound
 * @param backoffMax the bound never exceeds this
 * @param budgetPercent retries that follow a backend's answer may be in progress for at most this
 *     percent of the balancer's calls in flight, 0..100
 * @param minRetriesPerSecond retries allowed per second whatever the percentage says
 * @param replayBufferBytes request bytes kept per call for a retry; a larger request is not retried
 */
public record RetryPolicy(int numRetries, Set<GrpcCode> retryOn, Duration perTryTimeout, Duration backoffBase,
        Duration backoffMax, int budgetPercent, int minRetriesPerSecond, int replayBufferBytes) {

    public static final int MAX_RETRIES = 10;
    public static final int MAX_REPLAY_BUFFER_BYTES = 16 * 1024 * 1024;
    /** The gRPC codes {@code retryOn} may name. */
    public static final Set<GrpcCode> RETRYABLE_CODES = Set.copyOf(EnumSet.of(GrpcCode.CANCELLED,
            GrpcCode.DEADLINE_EXCEEDED, GrpcCode.RESOURCE_EXHAUSTED, GrpcCode.INTERNAL, GrpcCode.UNAVAILABLE));

    /**
     * One retry, only of calls that never reached a backend, 25 ms base and 250 ms maximum backoff,
     * a budget of 20 % of calls in flight plus 10 retries per second, 64 KiB replay buffer.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(1, Set.of(), Duration.ZERO, Duration.ofMillis(25),
            Duration.ofMillis(250), 20, 10, 64 * 1024);

    public RetryPolicy {
        requireNonNull(perTryTimeout, "perTryTimeout");
        requireNonNull(backoffBase, "backoffBase");
        requireNonNull(backoffMax, "backoffMax");
        retryOn = Set.copyOf(requireNonNull(retryOn, "retryOn"));
        if (!RETRYABLE_CODES.containsAll(retryOn)) {
            throw new IllegalArgumentException("retryOn may only hold " + RETRYABLE_CODES + ": " + retryOn);
        }
        if (numRetries < 0 || numRetries > MAX_RETRIES) {
            throw new IllegalArgumentException("numRetries must be 0.." + MAX_RETRIES + ": " + numRetries);
        }
        if (perTryTimeout.isNegative() || !positive(backoffBase) || backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("invalid retry durations: " + perTryTimeout + ", " + backoffBase
                    + ", " + backoffMax);
        }
        if (budgetPercent < 0 || budgetPercent > 100 || minRetriesPerSecond < 0) {
            throw new IllegalArgumentException("invalid retry budget: " + budgetPercent + " %, "
                    + minRetriesPerSecond + "/s");
        }
        if (replayBufferBytes < 0 || replayBufferBytes > MAX_REPLAY_BUFFER_BYTES) {
            throw new IllegalArgumentException("replayBufferBytes must be 0.." + MAX_REPLAY_BUFFER_BYTES);
        }
    }

    /** Whether a backend's answer or reset with {@code code} may be retried. */
    public boolean retries(GrpcCode code) {
        return retryOn.contains(code);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
