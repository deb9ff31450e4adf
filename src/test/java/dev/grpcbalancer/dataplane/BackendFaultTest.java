package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.dataplane.RetryAndTimeoutTest.retry;
import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.PeakSampler;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.ProxyMemory;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backends that crash, answer only errors, or are replaced, under continuous load from real gRPC
 * clients (their own retries off, so every failure the proxy lets through counts).
 */
class BackendFaultTest {

    private static final int CLIENTS = 4;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MIB = 1024 * 1024;

    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyFixture proxy;

    @BeforeEach
    void start() {
        proxy = ProxyFixture.start(ProxyFixture.settings().withDrainTimeout(Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() {
        proxy.close();
        backends.forEach(TestBackend::close);
    }

    @Test
    void killedBackendFailsOnlyItsCallsInFlightWithTheDefaultsAndTakesCallsWhenBack() {
        TestBackend a = backend("a", "127.0.0.2");
        TestBackend b = backend("b", "127.0.0.3");
        TestBackend c = backend("c", "127.0.0.4");
        route(config -> config, a, b, c);

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), CLIENTS)) {
            load.awaitSucceeded(300, WAIT);
            b.kill();
            load.awaitCallsStartedFromNow(WAIT);
            long failedAtKill = load.failed();
            long succeeded = load.succeeded();
            load.awaitSucceeded(succeeded + 600, WAIT);

            assertThat(failedAtKill).as("at most the calls in flight when it died: " + load).isLessThanOrEqualTo(CLIENTS);
            assertThat(load.failures()).allSatisfy(f -> assertThat(f).contains("UNAVAILABLE"));
            assertThat(load.failed()).as("no call started after the kill fails: " + load).isEqualTo(failedAtKill);

            TestBackend back = backends(TestBackend.builder("b-again", b.address()).start());
            back.stats().awaitCallsStarted(20, WAIT);
            assertThat(load.failed()).as(load.toString()).isEqualTo(failedAtKill);
        }
    }

    @Test
    void killedBackendFailsNoCallWhenUnavailableIsRetried() {
        TestBackend a = backend("a", "127.0.0.2");
        TestBackend b = backend("b", "127.0.0.3");
        TestBackend c = backend("c", "127.0.0.4");
        route(config -> config.withRetry(retry(2, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO)), a, b, c);

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), CLIENTS)) {
            load.awaitSucceeded(300, WAIT);
            b.kill();
            load.awaitCallsStartedFromNow(WAIT);
            load.awaitSucceeded(load.succeeded() + 600, WAIT);

            // The test backend sends its response headers as a call begins, before it reads the
            // request, so a call b took just before it died may have its headers at the client
            // already: committed there, no proxy may retry it. Only such calls may fail, at most
            // one per client (each has one call in flight); every call the proxy could retry must
            // succeed. (A crashed pod leaves no such window for servers that send headers with the
            // response, as grpc-java's unary calls do.)
            assertThat(load.failures()).as(load.toString()).hasSizeLessThanOrEqualTo(CLIENTS)
                    .allSatisfy(failure -> assertThat(failure).contains("backend=b").contains("trailersOnly=false"));
            assertThat(load.callsTo("a") + load.callsTo("c")).isGreaterThanOrEqualTo(600);
        }
    }

    @Test
    void backendThatOnlyAnswersUnavailableIsEjectedAndNoClientSeesIt() {
        TestBackend bad = backend("bad", "127.0.0.2");
        bad.setBehavior(Behavior.FAIL_UNAVAILABLE);
        TestBackend b = backend("b", "127.0.0.3");
        TestBackend c = backend("c", "127.0.0.4");
        route(config -> config
                .withRetry(retry(2, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO))
                .withOutlierDetection(new OutlierDetection(true, 3, OutlierDetection.DEFAULT_ERROR_CODES,
                        Duration.ofSeconds(10), Duration.ofSeconds(60), 50)), bad, b, c);

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), CLIENTS)) {
            load.awaitSucceeded(200, WAIT);
            long seenByBad = bad.stats().callsStarted();
            load.awaitSucceeded(load.succeeded() + 600, WAIT);

            assertThat(load.failures()).as(load.toString()).isEmpty();
            assertThat(seenByBad).as("attempts before the ejection: 3 in a row, plus the racing ones")
                    .isBetween(3L, 3L + CLIENTS);
            assertThat(bad.stats().callsStarted()).as("no attempt after the ejection").isEqualTo(seenByBad);
            assertThat(proxy.dataPlane().isAvailable(ProxyFixture.BALANCER, address(bad))).isFalse();
        }
    }

    @Test
    void retryBudgetBoundsAttemptsWhenEveryBackendFails() {
        long unbounded = attemptsPerCallWithAllBackendsFailing(100, "x");
        long bounded = attemptsPerCallWithAllBackendsFailing(20, "y");
        System.out.printf("every backend failing, numRetries 5: attempts per 100 calls %d with a 100 %% budget,"
                + " %d with a 20 %% budget%n", unbounded, bounded);

        // calls still in flight when the load stops are not counted, their attempts are: a little over 600
        assertThat(unbounded).as("100 %: every call makes 1 + 5 attempts").isBetween(600L, 660L);
        assertThat(bounded).as("20 % of the calls in flight may retry: attempts per 100 calls").isLessThan(200);
    }

    /** Attempts per 100 calls, all failing, with numRetries 5 and the given budget. */
    private long attemptsPerCallWithAllBackendsFailing(int budgetPercent, String prefix) {
        List<TestBackend> failing = List.of(backend(prefix + "1", "127.0.0.5"), backend(prefix + "2", "127.0.0.6"),
                backend(prefix + "3", "127.0.0.7"));
        failing.forEach(f -> f.setBehavior(Behavior.FAIL_UNAVAILABLE));
        RetryPolicy d = RetryPolicy.DEFAULT;
        RetryPolicy policy = new RetryPolicy(5, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofMillis(1),
                Duration.ofMillis(2), budgetPercent, 0, d.replayBufferBytes());
        route(config -> config.withRetry(policy), failing.toArray(new TestBackend[0]));
        long calls;
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), 10)) {
            Await.until(WAIT, () -> load.failed() >= 500, load::toString);
            load.close();
            calls = load.failed() + load.succeeded();
            assertThat(load.succeeded()).isZero();
            assertThat(load.failures()).allSatisfy(f -> assertThat(f).contains("UNAVAILABLE"));
        }
        long attempts = failing.stream().mapToLong(f -> f.stats().callsStarted()).sum();
        failing.forEach(TestBackend::close);
        return attempts * 100 / calls;
    }

    @Test
    void rollingReplacementOfAllBackendsUnderLoadFailsNoCall() {
        List<TestBackend> current = new ArrayList<>(List.of(backend("old-1", "127.0.0.2"), backend("old-2", "127.0.0.3"),
                backend("old-3", "127.0.0.4")));
        route(config -> config, current.toArray(new TestBackend[0]));
        TestClient streams = TestClient.builder(proxy.address()).disableRetry().build();
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), CLIENTS)) {
            // long server streams, one per old backend (round robin), still running during the replacement
            List<TestCall> longCalls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                longCalls.add(streams.startServerStream(50, 1024,
                        RequestHeaders.create().delay(Duration.ofSeconds(2)).build(), WAIT, ReadPace.eager()));
            }
            load.awaitSucceeded(200, WAIT);
            for (int i = 0; i < 3; i++) {
                TestBackend old = current.get(i);
                TestBackend replacement = backend("new-" + (i + 1), "127.0.0." + (5 + i));
                current.set(i, replacement);
                route(config -> config, current.toArray(new TestBackend[0]));
                load.awaitCallsStartedFromNow(WAIT);
                old.startDrain();
                assertThat(old.awaitTerminated(WAIT)).as(old + " drained").isTrue();
                load.awaitSucceeded(load.succeeded() + 100, WAIT);
            }
            for (TestCall call : longCalls) {
                CallResult result = call.await(WAIT);
                assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
                assertThat(result.messages()).hasSize(50);
                assertThat(result.backendId()).startsWith("old-");
            }
            System.out.printf("rolling replacement of 3 backends under load: %d calls, %d failed, p50 %d ms,"
                    + " p99 %d ms, p99.9 %d ms%n", load.succeeded() + load.failed(), load.failed(),
                    load.latencyPercentile(50).toMillis(), load.latencyPercentile(99).toMillis(),
                    load.latencyPercentile(99.9).toMillis());
            assertThat(load.failures()).as(load.toString()).isEmpty();
            assertThat(load.callsByBackend().keySet()).contains("new-1", "new-2", "new-3");
        } finally {
            streams.close();
        }
    }

    @Test
    void hundredMebibyteUploadWithRetriesOnIsNotBufferedBeyondTheReplayLimit() {
        ProxyMemory.assertProxyUsesThePooledAllocator();
        TestBackend a = backend("a", "127.0.0.2");
        TestBackend b = backend("b", "127.0.0.3");
        route(config -> config.withRetry(retry(3, Set.of(GrpcCode.UNAVAILABLE, GrpcCode.INTERNAL), Duration.ZERO)),
                a, b);
        TestClient client = TestClient.builder(proxy.address()).disableRetry().build();
        int size = 64 * 1024;
        int count = (int) (100 * MIB / size);
        byte[] message = TestService.streamMessage(1, size);
        long memoryBefore = ProxyMemory.usedBytes();
        try (PeakSampler sampler = PeakSampler.every(Duration.ofMillis(2))) {
            sampler.track("memory", ProxyMemory::usedBytes);
            TestCall upload = client.start(TestService.CLIENT_STREAM, RequestHeaders.none(), Duration.ofSeconds(120),
                    ReadPace.eager());
            for (int i = 0; i < count; i++) {
                upload.sendWhenReady(message, WAIT);
            }
            upload.halfClose();
            CallResult result = upload.await(WAIT);

            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            assertThat(TestService.Totals.parse(result.body())).isEqualTo(new TestService.Totals(count, 100 * MIB));
            assertThat(sampler.peak("memory") - memoryBefore).as("proxy memory growth").isLessThan(16 * MIB);
        } finally {
            client.close();
        }
        assertThat(a.stats().callsStarted() + b.stats().callsStarted()).as("one attempt").isEqualTo(1);
    }

    @Test
    void uploadPastTheReplayLimitIsNotRetriedWhenItsBackendDies() {
        TestBackend a = backend("a", "127.0.0.2");
        TestBackend b = backend("b", "127.0.0.3");
        route(config -> config.withRetry(retry(3, Set.of(GrpcCode.UNAVAILABLE, GrpcCode.INTERNAL), Duration.ZERO)),
                a, b);
        try (TestClient client = TestClient.builder(proxy.address()).disableRetry().build()) {
            TestCall upload = client.start(TestService.CLIENT_STREAM, RequestHeaders.none(), WAIT, ReadPace.eager());
            byte[] message = TestService.streamMessage(1, 64 * 1024);
            for (int i = 0; i < 16; i++) { // 1 MiB, far past the 64 KiB replay buffer
                upload.sendWhenReady(message, WAIT);
            }
            Await.until(WAIT, () -> a.stats().requestBytes() + b.stats().requestBytes() >= MIB, () -> "1 MiB arrived");
            TestBackend serving = a.stats().inFlight() == 1 ? a : b;
            TestBackend other = serving == a ? b : a;
            serving.kill();
            CallResult result = upload.await(WAIT);

            assertThat(result.code()).as(result.toString()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL);
            assertThat(other.stats().callsStarted()).as("not retried").isZero();
        }
    }

    private TestBackend backend(String id, String host) {
        return backends(TestBackend.start(id, host));
    }

    private TestBackend backends(TestBackend backend) {
        backends.add(backend);
        return backend;
    }

    private void route(UnaryOperator<BalancerConfig> tune, TestBackend... to) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (TestBackend backend : to) {
            endpoints.add(endpoint(backend.address()));
        }
        proxy.route(tune, LoadBalancingPolicy.RoundRobin, endpoints);
    }

    private static dev.grpcbalancer.snapshot.EndpointAddress address(TestBackend backend) {
        InetSocketAddress address = backend.address();
        return new dev.grpcbalancer.snapshot.EndpointAddress(address.getHostString(), address.getPort());
    }
}
