package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every retry path of the call engine on in-memory connections with a hand-moved clock: what is
 * retried at once (the request provably never reached a backend), what after a backoff and only
 * when opted in, and what never; the per-try timeout; the replay buffer, deadline and budget
 * limits. Two endpoints, round robin from a random start, so each test names the backend by role.
 */
class CallRetryTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String PATH = "/test.Echo/Unary";

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    /** A retry policy: 25 ms base backoff, a budget that never refuses unless said, 64 KiB replay buffer. */
    static RetryPolicy retry(int numRetries, Set<GrpcCode> retryOn, Duration perTryTimeout) {
        return new RetryPolicy(numRetries, retryOn, perTryTimeout, Duration.ofMillis(25), Duration.ofMillis(250), 100,
                1000, 64 * 1024);
    }

    private void start(UnaryOperator<BalancerConfig> tune) {
        proxy = InMemoryProxy.start(tune, A, B);
        proxy.backend(A);
        proxy.backend(B);
    }

    /** The backend that got a first attempt (one without {@code grpc-previous-rpc-attempts}). */
    private MemoryBackend first() {
        for (String address : List.of(A, B)) {
            MemoryBackend backend = proxy.backend(address);
            if (backend.streams().stream().anyMatch(s -> s.header("grpc-previous-rpc-attempts") == null)) {
                return backend;
            }
        }
        throw new AssertionError("no first attempt yet");
    }

    private MemoryBackend other(MemoryBackend backend) {
        return backend == proxy.backend(A) ? proxy.backend(B) : proxy.backend(A);
    }

    @Test
    void callToAnEndpointThatRefusesConnectionsGoesToTheOtherAtOnce() {
        start(c -> c);
        proxy.backend(A).refuseConnections();
        MemoryClient client = proxy.connect();

        MemoryClient.Call[] calls = new MemoryClient.Call[6];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = client.unary(PATH, "call " + i);
        }
        proxy.run(); // no time passes: nothing waits for a backoff

        for (MemoryClient.Call call : calls) {
            assertThat(call.status()).as(call.toString()).isEqualTo(GrpcCode.OK);
        }
        assertThat(proxy.backend(B).streams()).hasSize(calls.length);
        assertThat(proxy.meters().perEndpoint()).isTrue();
    }

    @Test
    void refusedStreamIsRetriedAtOnceOnTheOtherEndpointOutsideTheBudget() {
        start(c -> c.withRetry(new RetryPolicy(1, Set.of(), Duration.ZERO, Duration.ofMillis(25),
                Duration.ofMillis(250), 0, 0, 64 * 1024)));
        proxy.backend(A).refuseStreams();
        MemoryClient client = proxy.connect();
        for (int i = 0; i < 4; i++) {
            MemoryClient.Call call = client.unary(PATH, "x");
            proxy.run(); // no time passes: a refused stream is retried at once
            assertThat(call.status()).as("a budget of nothing does not stop it: " + call).isEqualTo(GrpcCode.OK);
        }
        assertThat(proxy.backend(B).streams()).hasSize(4);
        assertThat(proxy.backend(A).streams()).as("refused attempts").isNotEmpty();
    }

    @Test
    void everyEndpointRefusingGivesUnavailableWithTheLastRefusal() {
        start(c -> c);
        proxy.backend(A).refuseStreams();
        proxy.backend(B).refuseStreams();
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).contains("refused the stream");
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).as("1 + numRetries")
                .isEqualTo(2);
    }

    /** A GOAWAY refuses a connection, not its endpoint: the only endpoint takes the calls again on a new one. */
    @Test
    void callsAboveAGoAwaysLastStreamIdAreRetriedOnANewConnectionToTheSameEndpoint() {
        proxy = InMemoryProxy.start(c -> c, A);
        MemoryBackend only = proxy.backend(A).answer(s -> { });
        MemoryClient client = proxy.connect();
        MemoryClient.Call[] calls = {client.unary(PATH, "1"), client.unary(PATH, "2"), client.unary(PATH, "3")};
        proxy.run();
        MemoryBackend.Connection first = only.connections().get(0);
        int lastProcessed = first.streams().get(0).id();

        first.goAway(lastProcessed, Http2Error.NO_ERROR);
        only.answer(MemoryBackend.ECHO);
        first.streams().get(0).respond(GrpcCode.OK, "processed");
        proxy.run();

        for (MemoryClient.Call call : calls) {
            assertThat(call.status()).as(call.toString()).isEqualTo(GrpcCode.OK);
        }
        assertThat(only.connections()).hasSize(2);
        assertThat(only.connections().get(1).streams()).as("the two refused calls").hasSize(2);
        assertThat(first.isClosed()).as("closed once its last stream ended").isTrue();
    }

    @Test
    void trailersOnlyUnavailableIsRetriedAfterABackoffWhenOptedIn() {
        start(c -> c.withRetry(retry(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO)));
        proxy.backend(A).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "shedding"));
        proxy.backend(B).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "shedding"));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();
        MemoryBackend failing = first();
        MemoryBackend healthy = other(failing).answer(MemoryBackend.ECHO);
        assertThat(healthy.streams()).as("the retry waits for its backoff").isEmpty();
        assertThat(call.ended()).isFalse();

        proxy.advance(Duration.ofMillis(25)); // the first backoff is below the 25 ms base

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(healthy.streams().get(0).header("grpc-previous-rpc-attempts")).isEqualTo("1");
        assertThat(failing.streams().get(0).header("grpc-previous-rpc-attempts")).isNull();
        assertThat(healthy.streams().get(0).requestBody()).as("the request, replayed")
                .isEqualTo(MemoryClient.message("x"));
        assertThat(proxy.registry().get("grpcbalancer.call.retries").tag("route", "default").counter().count()).isEqualTo(1);
    }

    @Test
    void trailersOnlyUnavailableReachesTheClientUnchangedWithoutOptIn() {
        start(c -> c);
        proxy.backend(A).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "shedding"));
        proxy.backend(B).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "shedding"));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).isEqualTo("shedding");
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(1);
    }

    @Test
    void resetBeforeResponseHeadersIsRetriedOnlyWhenItsCodeIsOptedIn() {
        start(c -> c.withRetry(retry(1, Set.of(GrpcCode.INTERNAL), Duration.ZERO)));
        proxy.backend(A).answer(s -> s.reset(Http2Error.CANCEL)); // UNAVAILABLE: not opted in
        proxy.backend(B).answer(s -> s.reset(Http2Error.CANCEL));
        MemoryClient.Call notRetried = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofSeconds(1));
        assertThat(notRetried.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(1);

        proxy.backend(A).answer(s -> s.reset(Http2Error.INTERNAL_ERROR)); // INTERNAL: opted in
        proxy.backend(B).answer(s -> s.reset(Http2Error.INTERNAL_ERROR));
        MemoryClient.Call retried = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofSeconds(1));
        assertThat(retried.status()).isEqualTo(GrpcCode.INTERNAL);
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).as("1 + 2 attempts")
                .isEqualTo(3);
    }

    @Test
    void perTryTimeoutCancelsTheAttemptAndRetriesOnTheOtherEndpoint() {
        start(c -> c.withRetry(retry(1, Set.of(), Duration.ofMillis(200))));
        proxy.backend(A).answer(s -> { });
        proxy.backend(B).answer(s -> { });
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();
        MemoryBackend hanging = first();
        MemoryBackend healthy = other(hanging).answer(MemoryBackend.ECHO);

        proxy.advance(Duration.ofMillis(199));
        assertThat(hanging.streams().get(0).resetByProxy()).isNull();
        proxy.advance(Duration.ofMillis(1 + 25));

        assertThat(hanging.streams().get(0).resetByProxy()).as("the abandoned attempt is cancelled")
                .isEqualTo(Http2Error.CANCEL.code());
        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(healthy.streams()).hasSize(1);
    }

    /** The per-try timeout counts from the attempt's start: waiting for a connection is part of it. */
    @Test
    void perTryTimeoutWhileWaitingForAConnectionMovesTheCallOn() {
        start(c -> c.withRetry(retry(1, Set.of(), Duration.ofMillis(100))));
        proxy.backend(A).silent(); // accepts, never sends SETTINGS
        MemoryClient client = proxy.connect();
        for (int i = 0; i < 4; i++) {
            MemoryClient.Call call = client.unary(PATH, "x");
            proxy.advance(Duration.ofMillis(100 + 25));
            assertThat(call.status()).as(call.toString()).isEqualTo(GrpcCode.OK);
        }
        assertThat(proxy.backend(A).connections()).as("attempts waited on the silent endpoint").isNotEmpty();
        assertThat(proxy.backend(B).streams()).hasSize(4);
    }

    @Test
    void perTryTimeoutWithoutRetriesLeftEndsTheCallWithDeadlineExceeded() {
        start(c -> c.withRetry(retry(1, Set.of(), Duration.ofMillis(150))));
        proxy.backend(A).answer(s -> { });
        proxy.backend(B).answer(s -> { });
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");

        proxy.advance(Duration.ofMillis(150 + 25 + 150));

        assertThat(call.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(call.message()).contains("within the per-try timeout of 150 ms");
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(2);
    }

    @Test
    void nothingIsRetriedOnceResponseHeadersWentToTheClient() {
        start(c -> c.withRetry(retry(3, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO)));
        proxy.backend(A).answer(s -> s.respondHeaders().reset(Http2Error.CANCEL));
        proxy.backend(B).answer(s -> s.respondHeaders().reset(Http2Error.CANCEL));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.headers()).isNotNull();
        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(1);
    }

    @Test
    void requestLargerThanTheReplayBufferIsNotRetried() {
        start(c -> c.withRetry(new RetryPolicy(3, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofMillis(25),
                Duration.ofMillis(250), 100, 1000, 1024)));
        proxy.backend(A).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down"));
        proxy.backend(B).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down"));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x".repeat(2048));
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).as("the backend's own answer").isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).isEqualTo("down");
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(1);
    }

    @Test
    void noRetryStartsWhenItsBackoffWouldOutlastTheDeadline() {
        start(c -> c.withRetry(new RetryPolicy(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofSeconds(10),
                Duration.ofSeconds(10), 100, 1000, 64 * 1024)));
        proxy.backend(A).answer(s -> s.reset(Http2Error.CANCEL));
        proxy.backend(B).answer(s -> s.reset(Http2Error.CANCEL));
        // the backoff is random below 10 s; a 50 ms deadline leaves room for almost none of it
        int retried = 0;
        for (int i = 0; i < 20; i++) {
            MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH, "grpc-timeout", "50m"), false);
            call.send(MemoryClient.message("x"), true);
            proxy.advance(Duration.ofMillis(60));
            assertThat(call.status()).isIn(GrpcCode.UNAVAILABLE, GrpcCode.DEADLINE_EXCEEDED);
            retried += call.status() == GrpcCode.DEADLINE_EXCEEDED ? 1 : 0;
        }
        assertThat(retried).as("calls whose backoff happened to fit (about 1 in 200)").isLessThan(3);
    }

    @Test
    void exhaustedBudgetEndsTheCallWithTheFailureAndSaysWhy() {
        start(c -> c.withRetry(new RetryPolicy(2, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, Duration.ofMillis(25),
                Duration.ofMillis(250), 0, 0, 64 * 1024)));
        proxy.backend(A).answer(s -> s.reset(Http2Error.CANCEL));
        proxy.backend(B).answer(s -> s.reset(Http2Error.CANCEL));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).endsWith("(retry budget exhausted)");
    }

    @Test
    void clientTrailersDuringABackoffEndTheCallWithTheLastFailure() {
        start(c -> c.withRetry(retry(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO)));
        proxy.backend(A).answer(s -> s.reset(Http2Error.CANCEL));
        proxy.backend(B).answer(s -> s.reset(Http2Error.CANCEL));
        MemoryClient client = proxy.connect();
        MemoryClient.Call call = client.start(MemoryClient.grpcRequest(PATH), false);
        call.send(MemoryClient.message("x"), false);
        proxy.run(); // the request is open, the first attempt was reset: a backoff runs

        client.headers(call.id(), new io.netty.handler.codec.http2.DefaultHttp2Headers().set("x-trailer", "1"), true);
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).as("a retry could not be sent the trailers").isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(proxy.backend(A).streams().size() + proxy.backend(B).streams().size()).isEqualTo(1);
    }
}
