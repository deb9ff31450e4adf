package dev.grpcbalancer.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Repeats unrecorded rounds of traffic until a JVM's JIT compiler has settled: the (elapsed,
 * summed over compiler threads) time it spent compiling grew by less than 3% of the last round's
 * wall time (after at least two rounds), or until a time limit. A fixed warm-up is not enough on a busy machine: a JVM that gets half a core
 * keeps compiling for tens of seconds, and whichever target runs first pays for it (measured: the
 * same direct run went from ~1,600 to ~12,000 calls/s just by running after another target).
 * On a busy machine the limit is usually what ends it: compile time is elapsed time, inflated
 * when compiler threads wait for CPU, and the tail is mostly connection set-up/tear-down code
 * (every round opens new channels); the hot paths are compiled well before.
 */
final class JitWarmup {
    private static final double SETTLED_FRACTION = 0.03;
    /** Without a compile-time reading, warm up for this long (or the limit, if shorter). */
    private static final Duration BLIND = Duration.ofSeconds(10);

    /** One round of traffic. */
    interface Round {
        void run() throws InterruptedException;
    }

    private JitWarmup() {}

    /**
     * Runs rounds for the JVM {@code pid} (empty: this JVM; else read with {@code jstat}, the one of
     * its JDK) until settled or {@code max}; returns a one-line summary.
     */
    static String run(OptionalLong pid, Path jstat, Duration max, Round round) throws InterruptedException {
        long start = System.nanoTime();
        double last = compileSeconds(pid, jstat);
        int rounds = 0;
        while (true) {
            long r0 = System.nanoTime();
            round.run();
            rounds++;
            double roundSeconds = (System.nanoTime() - r0) / 1e9;
            double now = compileSeconds(pid, jstat);
            double delta = now - last;
            last = now;
            double elapsed = (System.nanoTime() - start) / 1e9;
            boolean known = !Double.isNaN(delta);
            if (known && rounds >= 2 && delta < SETTLED_FRACTION * roundSeconds) {
                return String.format("settled after %d rounds, %.0f s (JIT compiled %.2f s in the last %.0f s round)",
                        rounds, elapsed, delta, roundSeconds);
            }
            if (elapsed >= max.toSeconds() || (!known && elapsed >= Math.min(max.toSeconds(), BLIND.toSeconds()))) {
                return String.format("stopped after %d rounds, %.0f s: %s", rounds, elapsed, known
                        ? String.format("JIT still compiling (%.2f s compile time in the last %.0f s round)", delta, roundSeconds)
                        : "no JIT compile-time reading (jstat)");
            }
        }
    }

    /** Seconds a JVM has spent in JIT compilation so far, NaN when unknown. */
    static double compileSeconds(OptionalLong pid, Path jstat) {
        if (pid.isEmpty()) {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported()
                    ? jit.getTotalCompilationTime() / 1000.0 : Double.NaN;
        }
        // jstat -compiler PID:  "Compiled Failed Invalid Time FailedType FailedMethod" + one row.
        if (!Files.isExecutable(jstat)) {
            return Double.NaN;
        }
        List<String> lines = Peers.output(List.of(jstat.toString(), "-compiler", String.valueOf(pid.getAsLong())))
                .lines().toList();
        try {
            return Double.parseDouble(lines.get(1).trim().split("\\s+")[3]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
