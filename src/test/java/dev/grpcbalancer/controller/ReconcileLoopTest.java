package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.LogCapture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The reconcile thread survives a run that throws, logs it and counts it (the reconcile-failing alert reads the count). */
class ReconcileLoopTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

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
