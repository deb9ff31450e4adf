package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream pools on in-memory connections with a hand-moved clock: an endpoint that cannot be
 * reached takes no calls until a connection to it is up again, GOAWAY and
 * SETTINGS_MAX_CONCURRENT_STREAMS are respected, waiting calls get connections in parallel, and a
 * removed endpoint's calls finish before its connection closes.
 */
class UpstreamPoolTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String PATH = "/test.Echo/Unary";

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    private List<MemoryClient.Call> calls(MemoryClient client, int n) {
        List<MemoryClient.Call> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.unary(PATH, "call " + i));
        }
        return calls;
    }

    /**
     * A backend that crashed takes no new call, not even one that would wait for a connect, until
     * the pool, reconnecting in the background, has a connection to it again.
     */
    @Test
    void endpointWhoseConnectionWasLostTakesNoCallsUntilANewConnectionIsUp() {
        proxy = InMemoryProxy.start(c -> c, A, B);
        MemoryBackend a = proxy.backend(A);
        MemoryBackend b = proxy.backend(B);
        MemoryClient client = proxy.connect();
        calls(client, 2);
        proxy.run();
        assertThat(a.streams()).hasSize(1);

        a.silent(); // its next connection is accepted, but not ready until it speaks
        a.crash();
        List<MemoryClient.Call> during = calls(client, 10);
        proxy.advance(Duration.ofMillis(150)); // the reconnect starts after 100 ms

        assertThat(during).allSatisfy(c -> assertThat(c.status()).as(c.toString()).isEqualTo(GrpcCode.OK));
        assertThat(a.streams()).as("no call went to the crashed backend").hasSize(1);
        assertThat(a.connections()).as("the old one, and a new one being set up").hasSize(2);
        assertThat(b.streams()).hasSize(1 + 10);

        a.connections().get(1).sendSettings();
        proxy.run();
        calls(client, 10);
        proxy.run();
        assertThat(a.streams()).as("back in rotation").hasSize(1 + 5);
    }

    @Test
    void failingConnectsAreRetriedInTheBackgroundWithAGrowingBackoff() {
        proxy = InMemoryProxy.start(c -> c, A, B);
        MemoryBackend a = proxy.backend(A).refuseConnections();
        proxy.backend(B);
        MemoryClient client = proxy.connect();
        calls(client, 4);
        proxy.run();
        assertThat(a.connectsRefused()).isEqualTo(1);

        proxy.advance(Duration.ofMillis(100));
        assertThat(a.connectsRefused()).isEqualTo(2);
        proxy.advance(Duration.ofMillis(200));
        assertThat(a.connectsRefused()).isEqualTo(3);
        proxy.advance(Duration.ofMillis(399));
        assertThat(a.connectsRefused()).as("the third wait is 400 ms").isEqualTo(3);
        List<MemoryClient.Call> meanwhile = calls(client, 6);
        proxy.run();
        assertThat(meanwhile).allSatisfy(c -> assertThat(c.status()).isEqualTo(GrpcCode.OK));
        assertThat(a.connectsRefused()).as("calls do not connect: the background does").isEqualTo(3);

        a.acceptConnections();
        proxy.advance(Duration.ofMillis(1));
        calls(client, 4);
        proxy.run();
        assertThat(a.streams()).hasSize(2);
    }

    @Test
    void goAwayConnectionTakesNoNewCallsAndClosesWhenItsLastStreamEnds() {
        proxy = InMemoryProxy.start(c -> c, A);
        MemoryBackend a = proxy.backend(A).answer(s -> { });
        MemoryClient client = proxy.connect();
        calls(client, 2);
        proxy.run();
        MemoryBackend.Connection old = a.connections().get(0);

        old.goAway(Integer.MAX_VALUE, Http2Error.NO_ERROR); // a graceful shutdown: streams so far go on
        proxy.run();
        calls(client, 1);
        proxy.run();

        assertThat(a.connections()).as("a new connection for the new call").hasSize(2);
        assertThat(a.connections().get(1).streams()).hasSize(1);
        old.streams().get(0).respond(GrpcCode.OK, "one");
        proxy.run();
        assertThat(old.isClosed()).isFalse();
        old.streams().get(1).respond(GrpcCode.OK, "two");
        proxy.run();
        assertThat(old.isClosed()).isTrue();
    }

    @Test
    void backendConcurrentStreamLimitMakesThePoolOpenMoreConnections() {
        proxy = InMemoryProxy.start(c -> c, A);
        MemoryBackend narrow = proxy.backend(A).maxConcurrentStreams(2).answer(s -> { });
        List<MemoryClient.Call> calls = calls(proxy.connect(), 5);
        proxy.run();

        assertThat(narrow.streams()).hasSize(5);
        assertThat(narrow.connections()).hasSize(3);
        narrow.streams().forEach(s -> s.respond(GrpcCode.OK, "x"));
        proxy.run();
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).isEqualTo(GrpcCode.OK));
    }

    /** Calls that wait for a new endpoint get enough connections opened in parallel, no more. */
    @Test
    void burstOfCallsToANewEndpointOpensConnectionsInParallel() {
        proxy = InMemoryProxy.start(c -> c, A);
        MemoryBackend silent = proxy.backend(A).silent();
        int perConnection = 16; // connection window / stream window
        calls(proxy.connect(), 2 * perConnection + 8);
        proxy.run();

        assertThat(silent.connections()).hasSize(3);
    }

    @Test
    void removedEndpointFinishesItsCallsThenClosesItsConnection() {
        proxy = InMemoryProxy.start(c -> c, A, B);
        MemoryBackend a = proxy.backend(A).answer(s -> { });
        proxy.backend(B);
        MemoryClient client = proxy.connect();
        List<MemoryClient.Call> first = calls(client, 2);
        proxy.run();

        proxy.route(c -> c, B);
        List<MemoryClient.Call> after = calls(client, 4);
        proxy.run();

        assertThat(after).allSatisfy(c -> assertThat(c.status()).isEqualTo(GrpcCode.OK));
        assertThat(a.streams()).as("nothing new for the removed endpoint").hasSize(1);
        assertThat(a.connections().get(0).isClosed()).as("a call is still in flight on it").isFalse();
        a.streams().get(0).respond(GrpcCode.OK, "finished");
        proxy.run();
        assertThat(a.connections().get(0).isClosed()).isTrue();
        assertThat(first).allSatisfy(c -> assertThat(c.status()).isEqualTo(GrpcCode.OK));
    }
}
