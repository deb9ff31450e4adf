package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.ConnectivityState;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DataPlane#close()}: the listeners stop accepting at once, clients get GOAWAY, calls in
 * flight finish if they can within the drain timeout and are cut when they cannot, and close()
 * returns soon after the drain timeout whatever the calls do.
 */
class GracefulShutdownTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);
    /** What close() may take beyond the drain timeout: closing upstream connections and event loops. */
    private static final Duration CLOSE_MARGIN = Duration.ofMillis(1500);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestBackend backend;
    private DataPlane dataPlane;
    private TestClient client;
    private int port;

    @BeforeEach
    void start() {
        backend = TestBackend.start("pod-a", "127.0.0.2");
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(2)
                .withDrainTimeout(DRAIN_TIMEOUT));
        port = FreePorts.freeLoopbackPort();
        dataPlane.publish(new RoutingSnapshot(List.of(new BalancerConfig(new BalancerId("default", "echo"), 1, port,
                LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(Endpoint.ready("127.0.0.2", backend.port())))))));
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
        client = TestClient.builder(new InetSocketAddress(HOST, port)).disableRetry().build();
        assertThat(client.unary(TestService.utf8("warm up"), RequestHeaders.none(), WAIT).code()).isEqualTo(Status.Code.OK);
    }

    @AfterEach
    void stop() {
        client.close();
        dataPlane.close();
        backend.close();
    }

    @Test
    void callInFlightFinishesAndNewConnectionsAreRefusedWhileClosing() {
        TestCall inFlight = slowUnary(Duration.ofMillis(1200));
        backend.stats().awaitInFlight(1, WAIT);

        long started = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(dataPlane::close);
        Await.until(WAIT, () -> !accepting(), () -> "port " + port + " to stop accepting");
        assertThat(closing).as("close() still draining when the port closed").isNotDone();

        CallResult result = inFlight.await(WAIT);
        closing.join();
        long closeMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.bodyUtf8()).isEqualTo("slow");
        assertThat(closeMillis).as("close() took (ms)").isLessThan(DRAIN_TIMEOUT.plus(CLOSE_MARGIN).toMillis());
        System.out.println("close() with a call in flight returned after " + closeMillis + " ms");
    }

    @Test
    void newCallOnAConnectionThatGotGoAwayFailsFastInsteadOfHanging() {
        TestCall inFlight = slowUnary(Duration.ofMillis(1200));
        backend.stats().awaitInFlight(1, WAIT);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(dataPlane::close);
        // The GOAWAY follows the listener's close: wait until the client has seen it.
        Await.until(WAIT, () -> client.channel().getState(false) != ConnectivityState.READY,
                () -> "the client to leave READY after GOAWAY, state " + client.channel().getState(false));

        CallResult late = client.unary(TestService.utf8("late"), RequestHeaders.none(), Duration.ofSeconds(10));

        assertThat(late.code()).as(late.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(backend.stats().callsStarted(TestService.UNARY)).as("unary calls at the backend").isEqualTo(2);
        assertThat(inFlight.await(WAIT).code()).isEqualTo(Status.Code.OK);
        closing.join();
    }

    @Test
    void callLongerThanTheDrainTimeoutIsCutAndCloseReturnsInTime() {
        TestCall finishing = slowUnary(Duration.ofMillis(800));
        TestCall tooLong = slowUnary(Duration.ofSeconds(30));
        backend.stats().awaitInFlight(2, WAIT);

        long started = System.nanoTime();
        dataPlane.close();
        long closeMillis = (System.nanoTime() - started) / 1_000_000;

        CallResult cut = tooLong.await(Duration.ofSeconds(5));
        assertThat(cut.code()).as(cut.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(finishing.await(WAIT).code()).isEqualTo(Status.Code.OK);
        assertThat(closeMillis).as("close() took (ms)").isBetween(DRAIN_TIMEOUT.toMillis(),
                DRAIN_TIMEOUT.plus(CLOSE_MARGIN).toMillis());
        backend.stats().await("the cut call cancelled at the backend", s -> s.callsCancelled() == 1, WAIT);
        System.out.println("close() with a call past the drain timeout returned after " + closeMillis + " ms; "
                + "the client saw " + cut.status());
    }

    @Test
    void closeWithNothingInFlightReturnsPromptly() {
        long started = System.nanoTime();
        dataPlane.close();
        long closeMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(closeMillis).as("close() took (ms)").isLessThan(CLOSE_MARGIN.toMillis());
        assertThat(accepting()).isFalse();
        assertThat(dataPlane.isReady()).isFalse();
        assertThat(dataPlane.notReadyReason()).isEqualTo("shutting down");
    }

    private TestCall slowUnary(Duration delay) {
        return client.startUnary(TestService.utf8("slow"), RequestHeaders.create().delay(delay).build(),
                delay.plusSeconds(10));
    }

    private boolean accepting() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
