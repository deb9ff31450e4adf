package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.FreePorts.accepting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DataPlane#publish} while calls run: endpoint, policy and listener changes take effect
 * without failing a call, calls in flight on what was removed finish, and what did not change is
 * not touched. Load comes from several real gRPC clients (retries off), each on its own connection.
 */
class ReconfigurationTest {

    private static final String HOST = "127.0.0.1";
    private static final int LOAD_CLIENTS = 4;
    private static final int STREAM_MESSAGES = 64;
    /** 4 MiB in all: more than the windows on the way, so the backend is still writing while it waits. */
    private static final int STREAM_MESSAGE_SIZE = 64 * 1024;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<TestClient> clients = new ArrayList<>();
    private TestBackend a;
    private TestBackend b;
    private TestBackend c;
    private DataPlane dataPlane;
    private int port;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        c = TestBackend.start("c", "127.0.0.4");
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(2)
                .withDrainTimeout(DRAIN_TIMEOUT));
        port = FreePorts.freeLoopbackPort();
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        dataPlane.close();
        for (TestBackend backend : List.of(a, b, c)) {
            backend.close();
        }
    }

    @Test
    void addedEndpointStartsTakingCallsWithoutAnyFailing() {
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b));
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(at(port), LOAD_CLIENTS)) {
            load.awaitSucceeded(100, WAIT);

            publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b, c));
            load.awaitCallsStartedFromNow(WAIT);
            load.awaitSucceeded(load.succeeded() + 150, WAIT);

            assertThat(load.failures()).isEmpty();
            assertThat(load.callsTo("c")).as(load.toString()).isGreaterThanOrEqualTo(30);
        }
    }

    @Test
    void removedEndpointTakesNoNewCallsAndItsStreamInFlightCompletes() {
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, c));
        TestCall stream = pausedStream(port);
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b, c));
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(at(port), LOAD_CLIENTS)) {
            load.awaitSucceeded(90, WAIT);
            assertThat(load.callsTo("c")).isPositive();
            assertThat(c.stats().stalledWriters()).as("c still writing the stream").isEqualTo(1);

            publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b));
            stream.resume();
            CallResult streamed = stream.await(WAIT);
            load.awaitCallsStartedFromNow(WAIT);
            long unaryOnC = c.stats().callsStarted(TestService.UNARY);
            load.awaitSucceeded(load.succeeded() + 150, WAIT);

            assertThat(streamed.code()).as(streamed.toString()).isEqualTo(Status.Code.OK);
            assertThat(streamed.backendId()).isEqualTo("c");
            assertThat(streamed.messageCount()).isEqualTo(STREAM_MESSAGES);
            assertThat(streamed.streamMismatches()).isZero();
            assertThat(c.stats().callsStarted(TestService.UNARY)).as("calls reaching c after its removal")
                    .isEqualTo(unaryOnC);
            assertThat(load.failures()).isEmpty();
        }
        c.stats().await("the proxy's connections to c closed", s -> s.connectionsActive() == 0, WAIT);
    }

    @Test
    void endpointRemovedAndAddedBackKeepsItsStreamInFlightPastTheDrainTimeout() {
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, c));
        TestCall stream = pausedStream(port);
        c.stats().awaitStalledWriters(1, WAIT);

        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b));
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b, c));

        // c is configured again: its call must outlive the drain timeout of the removal.
        assertThat(becomesTrueWithin(DRAIN_TIMEOUT.plusSeconds(1), () -> c.stats().callsCancelled() > 0))
                .as("the stream on c was cut although c is back: %s", c.stats()).isFalse();
        stream.resume();
        CallResult streamed = stream.await(WAIT);
        assertThat(streamed.code()).as("%s (%s)", streamed, streamed.description()).isEqualTo(Status.Code.OK);
        assertThat(streamed.messageCount()).isEqualTo(STREAM_MESSAGES);
        assertThat(client(port).unary(TestService.utf8("x"), RequestHeaders.none(), WAIT).code()).isEqualTo(Status.Code.OK);
    }

    @Test
    void policyChangesFailNoCall() {
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b, c)); // listening before the load starts
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(at(port), LOAD_CLIENTS)) {
            for (LoadBalancingPolicy policy : List.of(LoadBalancingPolicy.RoundRobin, LoadBalancingPolicy.LeastRequest,
                    LoadBalancingPolicy.Random, LoadBalancingPolicy.RoundRobin)) {
                publish(balancer("echo", port, policy, a, b, c));
                load.awaitCallsStartedFromNow(WAIT);
                Map<String, Long> before = load.callsByBackend();
                load.awaitSucceeded(load.succeeded() + 90, WAIT);
                Map<String, Long> after = load.callsByBackend();
                for (String id : List.of("a", "b", "c")) {
                    assertThat(after.getOrDefault(id, 0L)).as(policy + ": calls to " + id)
                            .isGreaterThan(before.getOrDefault(id, 0L));
                }
            }
            assertThat(load.failures()).isEmpty();
        }
    }

    @Test
    void movedBalancerServesOnItsNewPortWhileCallsOnTheOldPortFinish() {
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b));
        TestClient old = client(port);
        List<TestCall> inFlight = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inFlight.add(old.startUnary(TestService.utf8("slow " + i),
                    RequestHeaders.create().delay(Duration.ofMillis(500)).build(), Duration.ofSeconds(10)));
        }
        Await.until(WAIT, () -> a.stats().inFlight() + b.stats().inFlight() == 4, () -> "4 calls at the backends");

        int newPort = FreePorts.freeLoopbackPort();
        publish(balancer("echo", newPort, LoadBalancingPolicy.RoundRobin, a, b));

        for (TestCall call : inFlight) {
            CallResult result = call.await(WAIT);
            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        }
        assertThat(accepting(HOST, port)).as("old port accepting").isFalse();
        assertThat(client(newPort).unary(TestService.utf8("new"), RequestHeaders.none(), WAIT).code())
                .isEqualTo(Status.Code.OK);
        CallResult onOldPort = old.unary(TestService.utf8("late"), RequestHeaders.none(), Duration.ofSeconds(5));
        assertThat(onOldPort.code()).as(onOldPort.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void deletedBalancerStopsListeningWhileAnotherBalancersCallGoesOn() {
        int otherPort = FreePorts.freeLoopbackPort();
        BalancerConfig other = balancer("other", otherPort, LoadBalancingPolicy.RoundRobin, b);
        publish(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a), other);
        assertThat(client(port).unary(TestService.utf8("x"), RequestHeaders.none(), WAIT).code()).isEqualTo(Status.Code.OK);
        TestCall stream = pausedStream(otherPort);

        publish(other);

        Await.until(WAIT, () -> !accepting(HOST, port), () -> "port " + port + " closed");
        assertThat(dataPlane.listenerStates()).containsOnlyKeys(other.id());
        stream.resume();
        CallResult streamed = stream.await(WAIT);
        assertThat(streamed.code()).as(streamed.toString()).isEqualTo(Status.Code.OK);
        assertThat(streamed.messageCount()).isEqualTo(STREAM_MESSAGES);
        assertThat(client(otherPort).unary(TestService.utf8("y"), RequestHeaders.none(), WAIT).backendId()).isEqualTo("b");
    }

    @Test
    void publishingAnEqualSnapshotChangesNothing() {
        RoutingSnapshot snapshot = new RoutingSnapshot(List.of(balancer("echo", port, LoadBalancingPolicy.RoundRobin, a, b, c)));
        dataPlane.publish(snapshot);
        awaitReady();
        TestCall stream = pausedStream(port);
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(at(port), LOAD_CLIENTS)) {
            load.awaitSucceeded(90, WAIT);
            Map<BalancerId, ListenerState> listeners = dataPlane.listenerStates();
            long[] upstreamConnections = connectionsOpened();

            dataPlane.publish(snapshot);
            dataPlane.publish(new RoutingSnapshot(new ArrayList<>(snapshot.balancers())));
            load.awaitSucceeded(load.succeeded() + 150, WAIT);

            assertThat(load.failures()).isEmpty();
            assertThat(dataPlane.listenerStates()).isEqualTo(listeners);
            assertThat(connectionsOpened()).as("upstream connections opened per backend").isEqualTo(upstreamConnections);
        }
        assertThat(stream.isPaused()).isTrue();
        stream.resume();
        assertThat(stream.await(WAIT).code()).isEqualTo(Status.Code.OK);
    }

    @Test
    void balancerTakesOverThePortAnotherLeftInTheSameSnapshot() {
        int secondPort = FreePorts.freeLoopbackPort();
        int thirdPort = FreePorts.freeLoopbackPort();
        publish(balancer("first", port, LoadBalancingPolicy.RoundRobin, a),
                balancer("second", secondPort, LoadBalancingPolicy.RoundRobin, b));
        assertThat(client(port).unary(TestService.utf8("1"), RequestHeaders.none(), WAIT).backendId()).isEqualTo("a");

        publish(balancer("first", thirdPort, LoadBalancingPolicy.RoundRobin, a),
                balancer("second", port, LoadBalancingPolicy.RoundRobin, b));

        assertThat(client(port).unary(TestService.utf8("2"), RequestHeaders.none(), WAIT).backendId()).isEqualTo("b");
        assertThat(client(thirdPort).unary(TestService.utf8("3"), RequestHeaders.none(), WAIT).backendId()).isEqualTo("a");
        assertThat(accepting(HOST, secondPort)).as("port left by second accepting").isFalse();
    }

    /** A ServerStream through {@code listenerPort} that stops reading after its first message. */
    private TestCall pausedStream(int listenerPort) {
        TestCall stream = client(listenerPort).startServerStream(STREAM_MESSAGES, STREAM_MESSAGE_SIZE,
                RequestHeaders.none(), null, ReadPace.pauseAfterBytes(1));
        stream.awaitPaused(WAIT);
        return stream;
    }

    /** Whether {@code condition} comes true within {@code time} (false: it stayed false all along). */
    private static boolean becomesTrueWithin(Duration time, BooleanSupplier condition) {
        try {
            Await.until(time, condition, () -> "");
            return true;
        } catch (AssertionError stayedFalse) {
            return false;
        }
    }

    private long[] connectionsOpened() {
        return new long[] {a.stats().connectionsOpened(), b.stats().connectionsOpened(), c.stats().connectionsOpened()};
    }

    private void publish(BalancerConfig... balancers) {
        dataPlane.publish(new RoutingSnapshot(Arrays.asList(balancers)));
        awaitReady();
    }

    private void awaitReady() {
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
    }

    private static BalancerConfig balancer(String name, int listenerPort, LoadBalancingPolicy policy, TestBackend... backends) {
        List<Endpoint> endpoints = Arrays.stream(backends)
                .map(backend -> Endpoint.ready(backend.address().getAddress().getHostAddress(), backend.port()))
                .toList();
        return new BalancerConfig(new BalancerId("default", name), 1, listenerPort, policy, new BackendSet(endpoints));
    }

    private TestClient client(int listenerPort) {
        TestClient client = TestClient.builder(at(listenerPort)).disableRetry().build();
        clients.add(client);
        return client;
    }

    private static InetSocketAddress at(int listenerPort) {
        return new InetSocketAddress(HOST, listenerPort);
    }
}
