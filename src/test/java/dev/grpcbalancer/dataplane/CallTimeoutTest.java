package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.Timeouts;
import dev.grpcbalancer.testing.GrpcTimeouts;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call's time limits on in-memory connections with a hand-moved clock, to the millisecond: the
 * client's deadline, the balancer's request timeout, the stream idle timeout, the deadline the
 * backend is told, and the connect timeout (the backend's SETTINGS must arrive within it).
 */
class CallTimeoutTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String PATH = "/test.Echo/Unary";

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    private MemoryClient.Call callWithDeadline(String grpcTimeout) {
        MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH, "grpc-timeout", grpcTimeout), false);
        call.send(MemoryClient.message("x"), true);
        return call;
    }

    @Test
    void clientDeadlineEndsTheCallAtItsTimeAndCancelsTheBackendsStream() {
        proxy = InMemoryProxy.start(c -> c, A);
        MemoryBackend hanging = proxy.backend(A).answer(s -> { });
        MemoryClient.Call call = callWithDeadline("100m");

        proxy.advance(Duration.ofMillis(99));
        assertThat(call.ended()).isFalse();
        proxy.advance(Duration.ofMillis(1));

        assertThat(call.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(call.message()).isEqualTo("deadline passed in grpc-balancer before the backend answered");
        assertThat(hanging.streams().get(0).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());
    }

    @Test
    void requestTimeoutEndsACallThatHasNoDeadlineOfItsOwn() {
        proxy = InMemoryProxy.start(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ofMillis(300),
                Duration.ofHours(1))), A);
        MemoryBackend hanging = proxy.backend(A).answer(s -> { });
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");
        proxy.run();
        assertThat(hanging.streams().get(0).header("grpc-timeout")).as("the backend is told the request timeout")
                .isEqualTo("300000u");

        proxy.advance(Duration.ofMillis(300));

        assertThat(call.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(call.message()).isEqualTo("request timeout of 300 ms passed in grpc-balancer");
    }

    @Test
    void shorterClientDeadlineWinsOverTheRequestTimeout() {
        proxy = InMemoryProxy.start(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ofSeconds(20),
                Duration.ofHours(1))), A);
        proxy.backend(A).answer(s -> { });
        MemoryClient.Call call = callWithDeadline("300m");

        proxy.advance(Duration.ofMillis(300));

        assertThat(call.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(call.message()).startsWith("deadline passed");
    }

    @Test
    void streamIdleTimeoutEndsACallWithNoFrameEitherWayAndTrafficPushesItBack() {
        proxy = InMemoryProxy.start(c -> c.withTimeouts(new Timeouts(Duration.ZERO, Duration.ZERO,
                Duration.ofMillis(300))), A);
        MemoryBackend backend = proxy.backend(A).answer(s -> { });
        MemoryClient client = proxy.connect();
        MemoryClient.Call chat = client.start(MemoryClient.grpcRequest(PATH), false);
        for (int i = 0; i < 10; i++) { // 2 s of traffic every 200 ms, alternating directions
            proxy.advance(Duration.ofMillis(200));
            if (i % 2 == 0) {
                chat.send(MemoryClient.message("ping " + i), false);
            } else if (i == 1) {
                backend.streams().get(0).respondHeaders();
            } else {
                backend.streams().get(0).respondMessage(("pong " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            proxy.run();
            assertThat(chat.ended()).as("after %d ms with traffic", (i + 1) * 200).isFalse();
        }

        proxy.advance(Duration.ofMillis(300));

        assertThat(chat.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(chat.message()).isEqualTo("no frame in either direction for 300 ms (stream idle timeout)");
        assertThat(backend.streams().get(0).resetByProxy()).isEqualTo(Http2Error.CANCEL.code());
    }

    /**
     * Deadline propagation: the backend is told the time left, never more than the client allowed,
     * and a retry, which starts later, less than the attempt before it. (Time has to pass for "less":
     * here the backends' connections take 3 ms to set up, and the first answer comes 10 ms later.)
     */
    @Test
    void backendSeesLessTimeThanTheClientAllowedAndARetryLessStill() {
        proxy = InMemoryProxy.start(c -> c.withRetry(CallRetryTest.retry(1, Set.of(GrpcCode.UNAVAILABLE),
                Duration.ZERO)), A, B);
        proxy.backend(A).silent().answer(s -> { });
        proxy.backend(B).silent().answer(s -> { });
        MemoryClient.Call call = callWithDeadline("1S");
        proxy.advance(Duration.ofMillis(3));
        MemoryBackend.Connection firstConnection = connectionOf(proxy.backend(A), proxy.backend(B));
        firstConnection.sendSettings();
        proxy.advance(Duration.ofMillis(10));
        MemoryBackend.Stream firstAttempt = firstConnection.streams().get(0);
        MemoryBackend other = firstConnection.backend() == proxy.backend(A) ? proxy.backend(B) : proxy.backend(A);
        other.answer(MemoryBackend.ECHO);

        firstAttempt.trailersOnly(GrpcCode.UNAVAILABLE, "shedding");
        proxy.advance(Duration.ofMillis(25)); // the backoff
        proxy.advance(Duration.ofMillis(3));
        other.connections().get(0).sendSettings();
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        long client = TimeUnit.SECONDS.toNanos(1);
        long attempt1 = GrpcTimeouts.nanos(firstAttempt.header("grpc-timeout"));
        long attempt2 = GrpcTimeouts.nanos(other.streams().get(0).header("grpc-timeout"));
        assertThat(attempt1).as("the first attempt's grpc-timeout").isLessThan(client)
                .isEqualTo(client - TimeUnit.MILLISECONDS.toNanos(3));
        assertThat(attempt2).as("the retry's").isLessThan(attempt1).isPositive();
        assertThat(attempt1 - attempt2).as("the time between the two HEADERS, at least the 10 ms before the answer")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(10 + 3));
    }

    private static MemoryBackend.Connection connectionOf(MemoryBackend one, MemoryBackend orOther) {
        return one.connections().isEmpty() ? orOther.connections().get(0) : one.connections().get(0);
    }

    @Test
    void backendResetAtTheDeadlineIsTheDeadlinePassing() {
        proxy = InMemoryProxy.start(c -> c.withRetry(CallRetryTest.retry(2, Set.of(GrpcCode.UNAVAILABLE),
                Duration.ZERO)), A);
        MemoryBackend backend = proxy.backend(A).answer(s -> { });
        MemoryClient.Call call = callWithDeadline("100m");
        proxy.advance(Duration.ofMillis(95)); // the backend gives up a little early, at its own clock

        backend.streams().get(0).reset(Http2Error.CANCEL);
        proxy.run();

        assertThat(call.status()).as("not UNAVAILABLE, and not retried").isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        assertThat(backend.streams()).hasSize(1);
    }

    @Test
    void backendThatAcceptsButNeverSpeaksHttp2FailsTheCallAtTheConnectTimeout() {
        proxy = InMemoryProxy.start(c -> c.withTimeouts(new Timeouts(Duration.ofSeconds(1), Duration.ZERO,
                Duration.ofHours(1))), A);
        proxy.backend(A).silent();
        MemoryClient.Call call = proxy.connect().unary(PATH, "x");

        proxy.advance(Duration.ofMillis(999));
        assertThat(call.ended()).isFalse();
        proxy.advance(Duration.ofMillis(1));

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).contains("no HTTP/2 SETTINGS from " + A + " within 1000 ms");
    }

    /**
     * Request messages that arrive while the call waits for a connection are released, and their
     * credit returned, when the call fails instead (the leak detector fails the class otherwise).
     */
    @Test
    void requestDataWaitingForAConnectionIsReleasedWhenTheCallFails() {
        proxy = InMemoryProxy.start(c -> c.withTimeouts(new Timeouts(Duration.ofSeconds(1), Duration.ZERO,
                Duration.ofHours(1))), A);
        proxy.backend(A).silent();
        MemoryClient.Call call = proxy.connect().start(MemoryClient.grpcRequest(PATH), false);
        for (int i = 0; i < 4; i++) {
            call.send(MemoryClient.message("x".repeat(16 * 1024)), false);
        }
        proxy.run();

        proxy.advance(Duration.ofSeconds(1));

        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(call.message()).contains("no HTTP/2 SETTINGS");
        assertThat(call.resetCode()).as("the client is asked to stop sending").isEqualTo(Http2Error.NO_ERROR.code());
    }
}
