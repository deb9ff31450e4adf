package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hedging (gRFC A6) on in-memory connections with a hand-moved clock: hedges start at the delay,
 * on other endpoints, with {@code grpc-previous-rpc-attempts}; the first response headers win and
 * the other attempts are cancelled; non-fatal codes start the next hedge at once, fatal ones end
 * the call; no hedge past the deadline, past the replay buffer or beyond the budget.
 */
class HedgingTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String C = "10.0.0.3:50051";
    private static final String PATH = "/test.Echo/Unary";
    private static final HedgingPolicy THREE_AFTER_20MS = new HedgingPolicy(3, Duration.ofMillis(20),
            Set.of(GrpcCode.UNAVAILABLE));

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    /** A proxy over A, B and C, all holding their calls until the test answers. */
    private void start(UnaryOperator<BalancerConfig> tune) {
        proxy = InMemoryProxy.start(tune, A, B, C);
        backends().forEach(b -> b.answer(s -> { }));
    }

    private List<MemoryBackend> backends() {
        return List.of(proxy.backend(A), proxy.backend(B), proxy.backend(C));
    }

    /** Every stream the backends got, first attempt first (by grpc-previous-rpc-attempts). */
    private List<MemoryBackend.Stream> attempts() {
        return backends().stream().flatMap(b -> b.streams().stream())
                .sorted(java.util.Comparator.comparingInt(s -> s.header("grpc-previous-rpc-attempts") == null ? 0
                        : Integer.parseInt(s.header("grpc-previous-rpc-attempts"))))
                .toList();
    }

    private double counter(String name) {
        return proxy.registry().get(name).tag("route", "default").counter().count();
    }

    @Test
    void hedgesStartAtTheDelayOnOtherEndpointsAndTheFirstResponseHeadersWin() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofMillis(19));
        assertThat(attempts()).hasSize(1);

        proxy.advance(Duration.ofMillis(1));
        assertThat(attempts()).hasSize(2);
        proxy.advance(Duration.ofMillis(20));
        List<MemoryBackend.Stream> attempts = attempts();
        assertThat(attempts).extracting(s -> s.header("grpc-previous-rpc-attempts")).containsExactly(null, "1", "2");
        assertThat(attempts).extracting(s -> s.connection().backend()).as("a different endpoint each")
                .doesNotHaveDuplicates();
        assertThat(attempts).allSatisfy(s -> assertThat(s.requestBody()).isEqualTo(MemoryClient.message("x")));

        attempts.get(1).respond(GrpcCode.OK, "from the first hedge");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(call.body()).isEqualTo(MemoryClient.message("from the first hedge"));
        assertThat(attempts.get(0).resetByProxy()).as("the others are cancelled").isEqualTo(Http2Error.CANCEL.code());
        assertThat(attempts.get(2).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());
        assertThat(counter("grpcbalancer.call.hedges")).isEqualTo(2);
        assertThat(counter("grpcbalancer.call.hedges.won")).isEqualTo(1);
        proxy.advance(Duration.ofSeconds(1));
        assertThat(attempts()).as("no more hedges after the call committed").hasSize(3);
    }

    @Test
    void aRuleHedgesItsOwnCallsOnly() {
        start(c -> {
            RouteBackend all = new RouteBackend("static-0", 1, c.backends());
            RoutePolicy plain = c.effectiveRoutes().get(0).policy();
            return c.withRoutes(List.of(
                    new Route("reads", List.of(new RouteMatch(MethodMatch.exact("test.Echo", "Unary"), List.of())),
                            List.of(all), plain.withHedging(THREE_AFTER_20MS)),
                    new Route("rest", List.of(RouteMatch.ALL), List.of(all), plain)));
        });
        MemoryClient client = proxy.connect();
        client.unary("/test.Echo/Other", "x");
        proxy.advance(Duration.ofMillis(100));
        assertThat(attempts()).as("the other rule does not hedge").hasSize(1);

        client.unary(PATH, "x");
        proxy.advance(Duration.ofMillis(20));
        assertThat(attempts()).as("the hedging rule's call is hedged at its delay").hasSize(3);
        assertThat(proxy.registry().get("grpcbalancer.call.hedges").tag("route", "reads").counter().count())
                .isEqualTo(1);
    }

    @Test
    void firstAttemptAnsweringBeforeTheDelayMeansNoHedge() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofMillis(10));
        attempts().get(0).respond(GrpcCode.OK, "quick");
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(attempts()).hasSize(1);
        assertThat(counter("grpcbalancer.call.hedges")).isZero();
        assertThat(counter("grpcbalancer.call.hedges.won")).isZero();
    }

    @Test
    void nonFatalStatusStartsTheNextHedgeAtOnceAndFatalOneEndsTheCall() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofMillis(5));
        attempts().get(0).trailersOnly(GrpcCode.UNAVAILABLE, "shedding");
        proxy.run();
        assertThat(attempts()).as("the next attempt, without waiting for the delay").hasSize(2);

        proxy.advance(Duration.ofMillis(20));
        assertThat(attempts()).hasSize(3);
        attempts().get(1).trailersOnly(GrpcCode.PERMISSION_DENIED, "no");
        proxy.run();

        assertThat(call.status()).as("a fatal code is the call's answer").isEqualTo(GrpcCode.PERMISSION_DENIED);
        assertThat(call.trailersOnly()).isTrue();
        assertThat(attempts().get(2).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());
    }

    @Test
    void whenEveryAttemptEndsNonFatallyTheClientGetsTheLastAnswer() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofMillis(40));
        List<MemoryBackend.Stream> attempts = attempts();
        attempts.get(0).trailersOnly(GrpcCode.UNAVAILABLE, "first");
        attempts.get(2).trailersOnly(GrpcCode.UNAVAILABLE, "third");
        proxy.run();
        assertThat(call.ended()).as("one attempt is still running").isFalse();

        attempts.get(1).trailersOnly(GrpcCode.UNAVAILABLE, "second, last");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).isEqualTo("second, last");
    }

    @Test
    void requestDataGoesToEveryLiveAttempt() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH), false);
        call.send(MemoryClient.message("one"), false);
        proxy.advance(Duration.ofMillis(20));
        call.send(MemoryClient.message("two"), true);
        proxy.run();

        byte[] whole = concat(MemoryClient.message("one"), MemoryClient.message("two"));
        assertThat(attempts()).hasSize(2).allSatisfy(s -> {
            assertThat(s.requestBody()).isEqualTo(whole);
            assertThat(s.requestHasEnded()).isTrue();
        });
    }

    @Test
    void requestThatOutgrowsTheReplayBufferKeepsItsOldestAttemptAndIsNotHedgedFurther() {
        start(c -> c.withHedging(THREE_AFTER_20MS).withRetry(replayBuffer(1024)));
        MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH), false);
        call.send(new byte[512], false);
        proxy.advance(Duration.ofMillis(20));
        assertThat(attempts()).hasSize(2);

        call.send(new byte[1024], false); // 1.5 KiB in all: no longer held for another attempt
        proxy.advance(Duration.ofSeconds(1));

        List<MemoryBackend.Stream> attempts = attempts();
        assertThat(attempts).as("no third attempt").hasSize(2);
        assertThat(attempts.get(1).resetByProxy()).as("the hedge, which cannot have the whole request")
                .isEqualTo(Http2Error.CANCEL.code());
        assertThat(attempts.get(0).resetByProxy()).isNull();
        assertThat(attempts.get(0).requestBody()).hasSize(1536);
    }

    @Test
    void noHedgeStartsPastTheCallsDeadline() {
        start(c -> c.withHedging(THREE_AFTER_20MS));
        MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH, "grpc-timeout", "15m"), false);
        call.send(MemoryClient.message("x"), true);
        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(attempts()).hasSize(1);
    }

    @Test
    void hedgesCountAgainstTheRetryBudget() {
        start(c -> c.withHedging(THREE_AFTER_20MS).withRetry(new RetryPolicy(1, Set.of(), Duration.ZERO,
                Duration.ofMillis(25), Duration.ofMillis(250), 0, 0, 64 * 1024)));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.advance(Duration.ofMillis(100));

        assertThat(attempts()).as("a budget of nothing allows no hedge").hasSize(1);
        attempts().get(0).respond(GrpcCode.OK, "alone");
        proxy.run();
        assertThat(call.status()).isEqualTo(GrpcCode.OK);
    }

    @Test
    void hedgeThatCannotReachItsEndpointIsReplacedAtOnce() {
        start(c -> c.withHedging(new HedgingPolicy(3, Duration.ofMillis(20), Set.of())));
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();
        // round robin over A, B, C: the hedge's pick is the endpoint after the first one's
        int first = backends().indexOf(attempts().get(0).connection().backend());
        MemoryBackend next = backends().get((first + 1) % 3);
        next.refuseConnections();

        proxy.advance(Duration.ofMillis(20));

        assertThat(attempts()).as("the first, and a hedge on the endpoint that takes connections").hasSize(2);
        assertThat(next.connectsRefused()).isEqualTo(1);
        assertThat(attempts().get(1).header("grpc-previous-rpc-attempts")).as("the refused one counted").isEqualTo("2");
        assertThat(attempts().get(1).connection().backend()).isEqualTo(backends().get((first + 2) % 3));
        attempts().get(1).respond(GrpcCode.OK, "hedged");
        proxy.run();
        assertThat(call.status()).isEqualTo(GrpcCode.OK);
    }

    private static RetryPolicy replayBuffer(int bytes) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        return new RetryPolicy(d.numRetries(), d.retryOn(), d.perTryTimeout(), d.backoffBase(), d.backoffMax(),
                d.budgetPercent(), d.minRetriesPerSecond(), bytes);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Stream.of(parts).forEach(out::writeBytes);
        return out.toByteArray();
    }
}
