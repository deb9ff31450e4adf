package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.RetryPolicy;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The retry bookkeeping of one call: attempts made, its place in the balancer's
 * {@link RetryBudget}, and the jittered backoff. Confined to the call's event loop.
 */
final class CallRetries {

    /** {@link #backoffNanos}: the call's deadline leaves no room for the wait. */
    static final long NO_TIME = -1;
    /** {@link #backoffNanos}: the retry budget is used up. */
    static final long NO_BUDGET = -2;

    private final RetryPolicy policy;
    private final RetryBudget budget;
    private int attempts;
    private boolean counted;
    private boolean holdsSlot;

    CallRetries(RetryPolicy policy, RetryBudget budget) {
        this.policy = policy;
        this.budget = budget;
    }

    void callStarted() {
        budget.callStarted();
        counted = true;
    }

    /** Idempotent. */
    void callEnded() {
        if (counted) {
            counted = false;
            budget.callEnded(holdsSlot);
            holdsSlot = false;
        }
    }

    void attemptStarted() {
        attempts++;
    }

    /** Attempts started so far, the current one included. */
    int attempts() {
        return attempts;
    }

    boolean retriesLeft() {
        return attempts <= policy.numRetries();
    }

    /**
     * The wait before a retry that follows a backend's answer, random in
     * {@code [0, min(max, base × 2^(retry - 1)))} ("full jitter"), once the budget allowed it;
     * {@link #NO_TIME} when the wait would outlast the deadline ({@code remainingNanos}, or
     * {@link Long#MAX_VALUE} without one), {@link #NO_BUDGET} when the budget refuses.
     */
    long backoffNanos(long remainingNanos) {
        long bound = policy.backoffBase().toNanos() << Math.min(20, attempts - 1);
        bound = Math.min(bound, policy.backoffMax().toNanos());
        long delay = ThreadLocalRandom.current().nextLong(Math.max(1, bound));
        if (remainingNanos <= delay) {
            return NO_TIME;
        }
        if (!holdsSlot) {
            RetryBudget.Grant grant = budget.tryRetry();
            if (grant == RetryBudget.Grant.DENIED) {
                return NO_BUDGET;
            }
            holdsSlot = grant == RetryBudget.Grant.SLOT;
        }
        return delay;
    }
}
