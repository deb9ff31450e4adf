package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.LogCapture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The reconcile thread: a change after a quiet spell runs at once, later ones wait for the hold-off;
 * it survives a run that throws, logs it and counts it (the reconcile-failing alert reads the count).
 */
class ReconcileLoopTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aChangeAfterAQuietSpellRunsWithoutWaitingTheHoldOff() {
        AtomicInteger runs = new AtomicInteger();
        try (ReconcileLoop loop = new ReconcileLoop(Duration.ofHours(1), Duration.ofHours(1),
                eventNanos -> runs.incrementAndGet())) {
            loop.start();
            loop.trigger();
            // With an hour of hold-off, a run within the wait shows that the first change did not wait for it.
            Await.until(WAIT, () -> runs.get() == 1, () -> "runs: " + runs.get());
        }
    }

    @Test
    void runsStartAtMostOncePerHoldOff() {
        long holdOff = Duration.ofMillis(10).toNanos();
        assertThat(ReconcileLoop.waitNanos(1_000_000_000L, 0, holdOff)).as("quiet for a second: at once").isZero();
        assertThat(ReconcileLoop.waitNanos(holdOff, 0, holdOff)).as("exactly the hold-off since the last start").isZero();
        assertThat(ReconcileLoop.waitNanos(4_000_000L, 0, holdOff)).as("4 ms after the last start").isEqualTo(6_000_000L);
        assertThat(ReconcileLoop.waitNanos(Long.MIN_VALUE + 5, Long.MIN_VALUE, holdOff))
                .as("nanoTime may be negative").isEqualTo(holdOff - 5);
    }

    @Test
    void aRunThatThrowsIsLoggedCountedAndTheNextChangeRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        try (LogCapture logs = LogCapture.of(ReconcileLoop.class);
                ReconcileLoop loop = new ReconcileLoop(Duration.ZERO, Duration.ofMinutes(10), eventNanos -> {
                    if (runs.incrementAndGet() == 1) {
                        throw new IllegalStateException("a bug in translation");
                    }
                })) {
            loop.start();
            loop.trigger();
            logs.awaitLine(Level.ERROR, "reconcile failed: java.lang.IllegalStateException: a bug in translation", WAIT);
            assertThat(loop.failures()).isEqualTo(1);

            loop.trigger();
            Await.until(WAIT, () -> runs.get() == 2, () -> "runs: " + runs.get());
            assertThat(loop.failures()).isEqualTo(1);
        }
    }
}
