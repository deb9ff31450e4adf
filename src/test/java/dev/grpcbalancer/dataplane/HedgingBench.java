package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.grpc.TestService.utf8;

import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.InterceptedBackend;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * What hedging does for a slow backend: three grpc-java backends on loopback, one of which answers
 * every call after 200 ms, behind the proxy with round robin; a closed loop of unary calls (16 in
 * flight on one connection, a new call as soon as one ends) measured with no hedging and with {@code hedgingDelay: 20ms}. Prints
 * latency percentiles, calls/s, hedges started and won, and what each backend was sent.
 *
 * <pre>
 * mvn -q -o test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.grpcbalancer.dataplane.HedgingBench \
 *     -Dexec.args="3000 6000"    # warm-up calls, measured calls per scenario
 * </pre>
 *
 * A benchmark, not a test: it prints figures and asserts nothing (run it alone on the machine).
 */
public final class HedgingBench {

    private static final int IN_FLIGHT = 16;
    private static final Duration SLOW = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private HedgingBench() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 3_000;
        int measured = args.length > 1 ? Integer.parseInt(args[1]) : 6_000;
        System.out.printf("3 backends, one answers after %d ms; round robin; %d unary calls, %d in flight,"
                + " one client connection%n", SLOW.toMillis(), measured, IN_FLIGHT);
        System.out.printf("%-34s %9s %8s %8s %8s %8s %8s %8s %7s %7s  %s%n", "scenario", "calls/s", "p50 ms",
                "p90 ms", "p99 ms", "p99.9", "max ms", "errors", "hedges", "won", "calls sent fast/fast/slow");
        try (TestBackend fastA = TestBackend.start("fast-a", "127.0.0.2");
                TestBackend fastB = TestBackend.start("fast-b", "127.0.0.3");
                InterceptedBackend slow = InterceptedBackend.start("slow", "127.0.0.4",
                        InterceptedBackend.delayEveryCall(SLOW))) {
            Backends backends = new Backends(fastA, fastB, slow);
            scenario("no hedging", config -> config, backends, warmup, measured);
            scenario("hedgingDelay 20ms, maxAttempts 2",
                    config -> config.withHedging(new HedgingPolicy(2, Duration.ofMillis(20), Set.of())),
                    backends, warmup, measured);
            scenario("hedgingDelay 20ms, maxAttempts 3",
                    config -> config.withHedging(new HedgingPolicy(3, Duration.ofMillis(20), Set.of())),
                    backends, warmup, measured);
        }
    }

    private record Backends(TestBackend fastA, TestBackend fastB, InterceptedBackend slow) {
        long[] started() {
            return new long[] {fastA.stats().callsStarted(), fastB.stats().callsStarted(), slow.stats().callsStarted()};
        }
    }

    private static void scenario(String name, UnaryOperator<BalancerConfig> tune, Backends backends, int warmup,
            int measured) throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProxyFixture proxy = ProxyFixture.start(new DataPlaneMeters(registry, false))
                        .route(tune, LoadBalancingPolicy.RoundRobin, List.of(
                                ProxyFixture.endpoint(backends.fastA().address()),
                                ProxyFixture.endpoint(backends.fastB().address()),
                                ProxyFixture.endpoint(backends.slow().address())));
                TestClient client = TestClient.builder(proxy.address()).disableRetry().build()) {
            calls(client, warmup, new long[warmup]);
            double hedgesBefore = count(registry, "grpcbalancer.call.hedges");
            double wonBefore = count(registry, "grpcbalancer.call.hedges.won");
            long[] sentBefore = backends.started();
            long[] latencies = new long[measured];
            long start = System.nanoTime();
            int errors = calls(client, measured, latencies);
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] sent = backends.started();
            Arrays.sort(latencies);
            System.out.printf("%-34s %9.0f %8.2f %8.2f %8.2f %8.2f %8.2f %8d %7.0f %7.0f  %d/%d/%d%n", name,
                    measured / seconds, millis(latencies, 0.50), millis(latencies, 0.90), millis(latencies, 0.99),
                    millis(latencies, 0.999), latencies[measured - 1] / 1e6, errors,
                    count(registry, "grpcbalancer.call.hedges") - hedgesBefore,
                    count(registry, "grpcbalancer.call.hedges.won") - wonBefore,
                    sent[0] - sentBefore[0], sent[1] - sentBefore[1], sent[2] - sentBefore[2]);
        }
    }

    /**
     * {@code n} calls, {@link #IN_FLIGHT} in flight at any time (a new one starts as soon as any
     * ends); each one's latency, taken when it completes, into {@code latencies}. Returns the errors.
     */
    private static int calls(TestClient client, int n, long[] latencies) throws InterruptedException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            slots.acquire();
            int index = i;
            long start = System.nanoTime();
            TestCall call = client.startUnary(utf8("x"), RequestHeaders.none(), WAIT);
            call.result().whenComplete((result, failure) -> {
                latencies[index] = System.nanoTime() - start;
                if (failure != null || !result.isOk()) {
                    errors.incrementAndGet();
                }
                slots.release();
                done.countDown();
            });
        }
        if (!done.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls did not finish in " + WAIT);
        }
        return errors.get();
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }
}
