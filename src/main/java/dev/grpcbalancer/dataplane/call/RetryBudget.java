package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.RetryPolicy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Bounds the retries and hedges of one route (for a balancer without rules: the balancer), so that they cannot multiply an outage, while a
 * one-off burst (a backend crashing with many calls on it) still retries all of its calls.
 * Retries of attempts that never reached a backend are not counted: they add no load.
 *
 * <p>Two allowances, tried in this order:
 * <ol>
 *   <li><b>Percent of calls in flight</b> (as Envoy's retry budget): a call may start retrying
 *       while the calls already retrying are fewer than {@code percent} of the balancer's calls
 *       in flight; it then holds its slot, for all its retries, until it ends.</li>
 *   <li><b>A reserve</b> (as Finagle's and Linkerd's {@code minRetriesPerSecond} over a 10 s
 *       window): a token bucket that refills at {@code minRetriesPerSecond} and holds
 *       {@value #RESERVE_SECONDS} seconds' worth, one token per retry. A sustained outage gets no
 *       more than that rate beyond the percent; a burst may spend the whole reserve at once.</li>
 * </ol>
 *
 * <p>Shared by the event loops; lock-free.
 */
public final class RetryBudget {

    /** The answer to {@link #acquire()}. */
    enum Grant {
        /** The call may retry and now counts as retrying until it ends. */
        SLOT,
        /** This one retry took a token from the reserve; ask again for the next. */
        RESERVE,
        DENIED
    }

    /** The reserve holds this many seconds of {@code minRetriesPerSecond}. */
    static final int RESERVE_SECONDS = 10;

    private final int percent;
    private final LongSupplier ticker;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();
    /** Nanoseconds one reserve token takes to refill; 0 without a reserve. */
    private final long tokenNanos;
    /** The reserve's capacity in nanoseconds of refill ({@value #RESERVE_SECONDS} s). */
    private final long reserveNanos;
    /**
     * The reserve as a "theoretical arrival time" (the generic cell rate algorithm): the time at
     * which the bucket would be full again. A token may be taken while that stays within
     * {@link #reserveNanos} of now.
     */
    private final AtomicLong fullAt;

    /** The budget {@code policy} describes, on {@code ticker}'s clock. */
    public static RetryBudget of(RetryPolicy policy, LongSupplier ticker) {
        return new RetryBudget(policy.budgetPercent(), policy.minRetriesPerSecond(), ticker);
    }

    RetryBudget(int percent, int minPerSecond, LongSupplier ticker) {
        this.percent = percent;
        this.ticker = ticker;
        this.tokenNanos = minPerSecond == 0 ? 0 : Math.max(1, TimeUnit.SECONDS.toNanos(1) / minPerSecond);
        this.reserveNanos = TimeUnit.SECONDS.toNanos(RESERVE_SECONDS);
        this.fullAt = new AtomicLong(ticker.getAsLong()); // starts full
    }

    void callStarted() {
        active.incrementAndGet();
    }

    /** The call ended; {@code heldSlot} if it was granted a {@link Grant#SLOT}. */
    void callEnded(boolean heldSlot) {
        active.decrementAndGet();
        if (heldSlot) {
            retrying.decrementAndGet();
        }
    }

    /** Whether a retry would be granted now; takes nothing. */
    boolean allows() {
        return slotFree(retrying.get()) || reserveAfterOneToken(ticker.getAsLong()) != Long.MIN_VALUE;
    }

    /** Takes a slot, else one token of the reserve, for one retry of a call that holds no slot. */
    Grant acquire() {
        while (true) {
            int now = retrying.get();
            if (!slotFree(now)) {
                break;
            }
            if (retrying.compareAndSet(now, now + 1)) {
                return Grant.SLOT;
            }
        }
        while (true) {
            long current = fullAt.get();
            long next = reserveAfterOneToken(current, ticker.getAsLong());
            if (next == Long.MIN_VALUE) {
                return Grant.DENIED;
            }
            if (fullAt.compareAndSet(current, next)) {
                return Grant.RESERVE;
            }
        }
    }

    private boolean slotFree(int retryingNow) {
        return (long) (retryingNow + 1) * 100 <= (long) active.get() * percent;
    }

    private long reserveAfterOneToken(long now) {
        return reserveAfterOneToken(fullAt.get(), now);
    }

    /** The reserve's full-at time after taking one token, or {@link Long#MIN_VALUE} if it is empty. */
    private long reserveAfterOneToken(long fullAtNow, long now) {
        if (tokenNanos == 0) {
            return Long.MIN_VALUE;
        }
        long next = (fullAtNow - now < 0 ? now : fullAtNow) + tokenNanos;
        return next - now <= reserveNanos ? next : Long.MIN_VALUE;
    }

    /** Calls in flight counted by this budget (for tests and diagnostics). */
    int activeCalls() {
        return active.get();
    }
}
