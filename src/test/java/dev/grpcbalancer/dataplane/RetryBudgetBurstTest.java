package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The retry budget absorbs a crash and still bounds an outage. The crash: 16 calls in flight over
 * one client connection, 14 of them on the backend that dies, {@code retryOn: [unavailable]} and
 * the default budget (20 % of calls in flight, 10 retries a second). The 14 need 14 retries at
 * once; 20 % of 16 gives 3 slots, and the minimum rate, taken as ten seconds' worth held in
 * reserve, gives the rest. (As 10 per calendar second, the budget allowed 13: one call failed.)
 */
class RetryBudgetBurstTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String C = "10.0.0.3:50051";
    private static final String PATH = "/test.Echo/Unary";
    private static final RetryPolicy RETRY_ON_UNAVAILABLE = new RetryPolicy(1, Set.of(GrpcCode.UNAVAILABLE),
            Duration.ZERO, RetryPolicy.DEFAULT.backoffBase(), RetryPolicy.DEFAULT.backoffMax(),
            RetryPolicy.DEFAULT.budgetPercent(), RetryPolicy.DEFAULT.minRetriesPerSecond(),
            RetryPolicy.DEFAULT.replayBufferBytes());

    @Test
    void backendCrashingWithFourteenOfSixteenCallsFailsNoCallInTwentyRepetitions() {
        int failed = 0;
        for (int repetition = 0; repetition < 20; repetition++) {
            failed += callsFailedWhenTheBackendWithMostCallsCrashes();
        }
        assertThat(failed).isZero();
    }

    private int callsFailedWhenTheBackendWithMostCallsCrashes() {
        try (InMemoryProxy proxy = InMemoryProxy.start(c -> c.withRetry(RETRY_ON_UNAVAILABLE), A, B, C)) {
            MemoryBackend a = proxy.backend(A);
            MemoryBackend b = proxy.backend(B).answer(s -> { }); // slow: its calls pile up
            MemoryBackend c = proxy.backend(C);
            MemoryClient client = proxy.connect();
            List<MemoryClient.Call> calls = new ArrayList<>();
            while (b.openStreams().size() < 14) {
                calls.add(client.unary(PATH, "call " + calls.size()));
                proxy.run();
            }
            a.answer(s -> { });
            c.answer(s -> { });
            while (calls.stream().filter(call -> !call.ended()).count() < 16) {
                calls.add(client.unary(PATH, "call " + calls.size()));
                proxy.run();
            }
            assertThat(b.openStreams()).as("calls in flight on the backend that dies").hasSize(14);
            a.answer(MemoryBackend.ECHO);
            c.answer(MemoryBackend.ECHO);
            a.openStreams().forEach(s -> s.respond(GrpcCode.OK, s.requestBody()));
            c.openStreams().forEach(s -> s.respond(GrpcCode.OK, s.requestBody()));

            b.crash();
            proxy.advance(Duration.ofMillis(RetryPolicy.DEFAULT.backoffBase().toMillis()));

            assertThat(calls).allSatisfy(call -> assertThat(call.ended()).as(call.toString()).isTrue());
            return (int) calls.stream().filter(call -> call.status() != GrpcCode.OK).count();
        }
    }

    /**
     * Every backend answers UNAVAILABLE and each call may retry 5 times: with a budget of 100 %
     * each call makes all 6 attempts; with 20 % of the calls in flight (2 of 10 here, each retrying
     * all 5 times) about 1 + 5 × 0.2 = 2. (The reserve, tested on its own, is left out here: a
     * sustained outage gets no more from it than its rate.)
     */
    @Test
    void withEveryBackendFailingAttemptsPerCallStayBounded() {
        double bounded = attemptsPerCallWithEveryBackendFailing(budget(20), 500);
        double unbounded = attemptsPerCallWithEveryBackendFailing(budget(100), 100);

        assertThat(unbounded).as("a budget of 100 %: 1 + 5 attempts per call").isEqualTo(6.0);
        assertThat(bounded).as("a budget of 20 %: attempts per call").isBetween(1.5, 2.05);
    }

    private static RetryPolicy budget(int percent) {
        return new RetryPolicy(5, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(2),
                percent, 0, RetryPolicy.DEFAULT.replayBufferBytes());
    }

    /** {@code total} calls, 10 in flight at a time, each answered at once; attempts per call. */
    private static double attemptsPerCallWithEveryBackendFailing(RetryPolicy policy, int total) {
        try (InMemoryProxy proxy = InMemoryProxy.start(c -> c.withRetry(policy), A, B, C)) {
            List<MemoryBackend> backends = List.of(proxy.backend(A), proxy.backend(B), proxy.backend(C));
            backends.forEach(b -> b.answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down")));
            MemoryClient client = proxy.connect();
            List<MemoryClient.Call> inFlight = new ArrayList<>();
            int done = 0;
            while (done < total) {
                while (inFlight.size() < 10) {
                    inFlight.add(client.unary(PATH, "x"));
                }
                proxy.advance(Duration.ofMillis(10));
                for (MemoryClient.Call call : List.copyOf(inFlight)) {
                    if (call.ended()) {
                        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
                        inFlight.remove(call);
                        done++;
                    }
                }
            }
            int attempts = backends.stream().mapToInt(b -> b.streams().size()).sum();
            int calls = done + inFlight.size();
            System.out.printf("every backend failing, numRetries 5, budget %d %% + %d/s: %.2f attempts per call%n",
                    policy.budgetPercent(), policy.minRetriesPerSecond(), (double) attempts / calls);
            return (double) attempts / calls;
        }
    }
}
