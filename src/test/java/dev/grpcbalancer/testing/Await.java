package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it every few milliseconds; tests use it instead of sleeping. */
public final class Await {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} is true, polling it every 5 ms.
     *
     * @param description what is awaited, for the failure message (asked only on failure)
     * @throws AssertionError if the condition is still false after {@code timeout}, or the thread is
     *     interrupted (the interrupt flag is kept)
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> description) {
        requireNonNull(timeout, "timeout");
        requireNonNull(condition, "condition");
        requireNonNull(description, "description");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + description.get());
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for: " + description.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
