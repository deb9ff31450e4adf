package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.RawHttp2Backend;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import dev.grpcbalancer.testing.grpc.TestService.Totals;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls that provably never reached a backend (connect refused, REFUSED_STREAM, above a GOAWAY's
 * last stream) go to another endpoint, and the pool respects what backends allow: GOAWAY
 * connections are replaced and SETTINGS_MAX_CONCURRENT_STREAMS makes it open more connections.
 * Clients do not retry (grpc-java retries are off), so every failure the proxy lets through shows.
 */
class UpstreamRetryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
    }

    @Test
    void callsToAnEndpointThatRefusesConnectionsAreRetriedOnTheOther() throws UnknownHostException {
        InetAddress closedHost = InetAddress.getByName("127.0.0.2");
        try (TestBackend healthy = TestBackend.start("healthy", "127.0.0.3")) {
            proxy.route(LoadBalancingPolicy.RoundRobin,
                    endpoint(new InetSocketAddress(closedHost, FreePorts.freePort(closedHost))),
                    endpoint(healthy.address()));

            // concurrent calls wait together for the failing connect, later ones meet the backoff
            List<CallResult> results = awaitAll(startCalls(40));
            for (int i = 0; i < 20; i++) {
                results.add(client.unary(utf8("late " + i), RequestHeaders.none(), DEADLINE));
            }

            assertThat(results).allSatisfy(r -> {
                assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK);
                assertThat(r.backendId()).isEqualTo("healthy");
            });
            assertThat(healthy.stats().callsStarted()).isEqualTo(60);
        }
    }

    @Test
    void streamsRefusedByABackendAreRetriedOnTheOther() {
        try (RawHttp2Backend refusing = RawHttp2Backend.start("127.0.0.2", RawHttp2Backend.Mode.REFUSE_STREAMS);
                TestBackend healthy = TestBackend.start("healthy", "127.0.0.3")) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(refusing.address()), endpoint(healthy.address()));

            List<CallResult> results = awaitAll(startCalls(40));

            assertThat(results).allSatisfy(r -> {
                assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK);
                assertThat(r.backendId()).isEqualTo("healthy");
            });
            assertThat(refusing.streams()).as("attempts the refusing backend saw").isPositive();
            assertThat(healthy.stats().callsStarted()).isEqualTo(40);
        }
    }

    /**
     * Netty limits the RST_STREAM frames a peer may send (rapid-reset protection). That is for
     * clients; a backend that refuses or cancels many streams must keep its connection.
     */
    @Test
    void backendResettingHundredsOfStreamsKeepsItsConnection() {
        try (RawHttp2Backend refusing = RawHttp2Backend.start("127.0.0.2", RawHttp2Backend.Mode.REFUSE_STREAMS);
                TestBackend healthy = TestBackend.start("healthy", "127.0.0.3")) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(refusing.address()), endpoint(healthy.address()));

            // batches below the per-connection stream cap: one connection to each backend carries them all
            for (int batch = 0; batch < 60; batch++) {
                assertThat(awaitAll(startCalls(10))).allSatisfy(r -> assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK));
            }

            assertThat(refusing.streams()).as("streams the backend reset").isGreaterThan(250);
            assertThat(refusing.connectionsAccepted()).as("connections the proxy opened to it").isEqualTo(1);
        }
    }

    /**
     * A GOAWAY whose last-stream-id is below streams the proxy had opened: those calls never
     * reached the backend, and the only endpoint still takes them on a new connection.
     */
    @Test
    void callsAboveAGoAwaysLastStreamIdAreRetriedOnANewConnectionToTheSameEndpoint() {
        try (RawHttp2Backend closing = RawHttp2Backend.start("127.0.0.2", RawHttp2Backend.Mode.GOAWAY_ONCE)) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(closing.address()));

            List<CallResult> results = awaitAll(startCalls(RawHttp2Backend.GOAWAY_AFTER_STREAMS));

            assertThat(results).allSatisfy(r -> assertThat(r.code()).as(r.toString()).isEqualTo(Status.Code.OK));
            assertThat(closing.connectionsAccepted()).as("connections the proxy opened").isEqualTo(2);
            assertThat(closing.streams()).as("streams: all on the first connection, the refused ones again on the second")
                    .isEqualTo(2 * RawHttp2Backend.GOAWAY_AFTER_STREAMS - 1);
        }
    }

    @Test
    void connectionsClosedByMaxConnectionAgeLoseNoCall() {
        try (TestBackend aging = TestBackend.builder("aging", new InetSocketAddress("127.0.0.2", 0))
                .maxConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .start()) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(aging.address()));

            // keep 8 calls in flight until the backend has sent GOAWAY on two connections
            List<CallResult> failures = new ArrayList<>();
            ArrayDeque<TestCall> inFlight = new ArrayDeque<>();
            int completed = 0;
            long giveUp = System.nanoTime() + WAIT.toNanos();
            while (aging.stats().connectionsOpened() < 3) {
                assertThat(System.nanoTime()).as("3 connections within " + WAIT).isLessThan(giveUp);
                while (inFlight.size() < 8) {
                    inFlight.add(client.startUnary(utf8("x"), RequestHeaders.none(), DEADLINE));
                }
                CallResult result = inFlight.poll().await(WAIT);
                completed++;
                if (!result.isOk()) {
                    failures.add(result);
                }
            }
            for (TestCall call : inFlight) {
                CallResult result = call.await(WAIT);
                completed++;
                if (!result.isOk()) {
                    failures.add(result);
                }
            }

            assertThat(failures).as("failed calls of " + completed).isEmpty();
            // grpc-java counts a call completed only after its trailers left: wait for the last ones
            aging.stats().awaitCallsCompleted(completed, WAIT);
            assertThat(aging.stats().callsCompleted()).as("calls the backend completed").isEqualTo(completed);
        }
    }

    @Test
    void backendConcurrentStreamLimitMakesTheProxyOpenMoreConnections() {
        try (TestBackend narrow = TestBackend.builder("narrow", new InetSocketAddress("127.0.0.2", 0))
                .maxConcurrentCallsPerConnection(2)
                .start()) {
            proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(narrow.address()));

            // client streams stay open until half-closed: all 20 are in flight at once
            List<TestCall> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                TestCall call = client.start(TestService.CLIENT_STREAM, RequestHeaders.none(), DEADLINE, ReadPace.eager());
                call.send(utf8("part of call " + i));
                calls.add(call);
            }
            narrow.stats().await("20 calls in flight at once", s -> s.inFlight() == 20, WAIT);

            assertThat(narrow.stats().connectionsOpened()).isGreaterThanOrEqualTo(10);
            calls.forEach(TestCall::halfClose);
            for (int i = 0; i < 20; i++) {
                CallResult result = calls.get(i).await(WAIT);
                assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
                assertThat(Totals.parse(result.body())).isEqualTo(new Totals(1, ("part of call " + i).length()));
            }
        }
    }

    private List<TestCall> startCalls(int n) {
        List<TestCall> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.startUnary(utf8("call " + i), RequestHeaders.none(), DEADLINE));
        }
        return calls;
    }

    private static List<CallResult> awaitAll(List<TestCall> calls) {
        List<CallResult> results = new ArrayList<>();
        for (TestCall call : calls) {
            results.add(call.await(WAIT));
        }
        return results;
    }
}
