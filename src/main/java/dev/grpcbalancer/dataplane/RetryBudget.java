package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.RetryPolicy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Bounds the retries of one route (for a balancer without rules: the balancer) that follow a
 * backend's answer (retries of calls that never reached a backend are not counted: they add no
 * load), so that retries cannot multiply an outage. A call may start retrying while the calls
 * already retrying are fewer than {@code percent} of the route's calls in flight; it then holds
 * its slot until it ends. Beyond that, up to {@code minPerSecond} retries per second are allowed
 * anyway, so a lightly loaded route can still retry. Shared by the event loops; lock-free.
 */
final class RetryBudget {

    /** The answer to {@link #tryRetry()}. */
    enum Grant {
        /** The call may retry and now counts as retrying until it ends. */
        SLOT,
        /** This one retry is allowed by the minimum rate; ask again for the next. */
        ONCE,
        DENIED
    }

    private static final long SECOND_NANOS = 1_000_000_000L;

    private final int percent;
    private final int minPerSecond;
    private final LongSupplier nanoTime;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();
    /** The current one-second window: its start in whole seconds (high bits) and retries granted in it (low 20 bits). */
    private final AtomicLong window = new AtomicLong();

    RetryBudget(int percent, int minPerSecond, LongSupplier nanoTime) {
        this.percent = percent;
        this.minPerSecond = minPerSecond;
        this.nanoTime = nanoTime;
    }

    /** The budget {@code policy} describes, on the system clock. */
    static RetryBudget of(RetryPolicy policy) {
        return new RetryBudget(policy.budgetPercent(), policy.minRetriesPerSecond(), System::nanoTime);
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

    /** Asks for one retry of a call that does not hold a slot. */
    Grant tryRetry() {
        while (true) {
            int now = retrying.get();
            if ((long) (now + 1) * 100 > (long) active.get() * percent) {
                break;
            }
            if (retrying.compareAndSet(now, now + 1)) {
                return Grant.SLOT;
            }
        }
        return takeFromRate() ? Grant.ONCE : Grant.DENIED;
    }

    private boolean takeFromRate() {
        if (minPerSecond == 0) {
            return false;
        }
        long second = nanoTime.getAsLong() / SECOND_NANOS;
        while (true) {
            long current = window.get();
            long count = current & 0xFFFFF;
            long next;
            if (current >>> 20 != second) {
                next = (second << 20) | 1;
            } else if (count < Math.min(minPerSecond, 0xFFFFF)) {
                next = current + 1;
            } else {
                return false;
            }
            if (window.compareAndSet(current, next)) {
                return true;
            }
        }
    }

    /** Calls in flight counted by this budget (for tests and diagnostics). */
    int activeCalls() {
        return active.get();
    }
}
