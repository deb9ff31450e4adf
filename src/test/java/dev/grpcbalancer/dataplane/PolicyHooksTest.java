package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutePolicy;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.Timeouts;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import dev.grpcbalancer.testing.RawHttp2Client;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The call engine's hooks for the smarter policies and the backend keepalive, on in-memory
 * connections with a hand-moved clock: a rule's own ConsistentHash reads the key from the request
 * headers at pick time; PeakEwma learns each attempt's response time from the engine's ticker; a
 * backend connection that falls silent is found dead by its keepalive after interval + timeout.
 */
class PolicyHooksTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String C = "10.0.0.3:50051";
    private static final String PATH = "/test.Echo/Unary";

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    /** One rule over A, B and C with its own load balancing, under a balancer that runs RoundRobin. */
    private static Route rule(LoadBalancingPolicy policy, LoadBalancingOptions options) {
        RoutePolicy routePolicy = new RoutePolicy(policy, options, RetryPolicy.DEFAULT, Timeouts.DEFAULT,
                OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO, HedgingPolicy.DISABLED);
        BackendSet set = new BackendSet(List.of(endpoint(A), endpoint(B), endpoint(C)));
        return new Route("pinned", List.of(), List.of(new RouteBackend("static-0", 1, set)), routePolicy);
    }

    private static Endpoint endpoint(String address) {
        return Endpoint.ready(address.substring(0, address.indexOf(':')), 50051);
    }

    /** The backend whose stream is the newest, or null when none got a stream since {@code before}. */
    private String lastServed(Map<String, Integer> before) {
        for (String address : List.of(A, B, C)) {
            if (proxy.backend(address).streams().size() > before.getOrDefault(address, 0)) {
                return address;
            }
        }
        return null;
    }

    private Map<String, Integer> streamCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (String address : List.of(A, B, C)) {
            counts.put(address, proxy.backend(address).streams().size());
        }
        return counts;
    }

    @Test
    void aRulesConsistentHashSendsEveryCallOfAKeyToOneBackend() {
        LoadBalancingOptions options = LoadBalancingOptions.DEFAULT.withConsistentHash(
                new LoadBalancingOptions.ConsistentHash("x-user-id", 251, 1.25));
        proxy = InMemoryProxy.start(c -> c.withRoutes(List.of(rule(LoadBalancingPolicy.ConsistentHash, options))), A, B, C);
        List.of(A, B, C).forEach(proxy::backend);
        MemoryClient client = proxy.connect();
        Map<String, Set<String>> backendsByKey = new HashMap<>();

        for (int round = 0; round < 5; round++) {
            for (int key = 0; key < 30; key++) {
                Map<String, Integer> before = streamCounts();
                MemoryClient.Call call = client.unary(MemoryClient.grpcRequest(PATH, "x-user-id", "user-" + key), "hi");
                proxy.run();
                assertThat(call.status()).isEqualTo(GrpcCode.OK);
                backendsByKey.computeIfAbsent("user-" + key, k -> new HashSet<>()).add(lastServed(before));
            }
        }

        assertThat(backendsByKey.values()).allMatch(backends -> backends.size() == 1);
        Set<String> used = new HashSet<>();
        backendsByKey.values().forEach(used::addAll);
        assertThat(used).as("30 keys land on more than one backend").hasSizeGreaterThan(1);
    }

    @Test
    void peakEwmaSendsNothingMoreToABackendOnceItsFirstAnswerCameLate() {
        proxy = InMemoryProxy.start(c -> c.withRoutes(List.of(rule(LoadBalancingPolicy.PeakEwma,
                LoadBalancingOptions.DEFAULT))), A, B, C);
        List.of(B, C).forEach(proxy::backend);
        proxy.backend(A).answer(stream -> { }); // A answers when the test says, 50 ms later
        MemoryClient client = proxy.connect();

        // 30 calls at once: before any answer PeakEwma compares calls in flight, so A, holding its
        // calls, is picked among them (one call at a time could end on B and C only: their answers
        // take no time on the still clock, and an endpoint without a sample never costs less than 0)
        for (int i = 0; i < 30; i++) {
            client.unary(PATH, "hi");
        }
        proxy.run();
        assertThat(proxy.backend(A).streams()).as("A picked among the first calls").isNotEmpty();
        proxy.advance(Duration.ofMillis(50));
        proxy.backend(A).streams().forEach(stream -> stream.respond(GrpcCode.OK, "late"));
        proxy.run();
        Map<String, Integer> before = streamCounts();
        for (int i = 0; i < 60; i++) {
            MemoryClient.Call call = client.unary(PATH, "hi");
            proxy.run();
            assertThat(call.status()).as("%s", call.message()).isEqualTo(GrpcCode.OK);
        }

        Map<String, Integer> after = streamCounts();
        assertThat(after.get(A)).as("calls to A after its 50 ms answer").isEqualTo(before.get(A));
        assertThat(after.get(B) - before.get(B) + after.get(C) - before.get(C)).isEqualTo(60);
    }

    @Test
    void aBackendThatAnswersKeepalivePingsInTheSameClockTickKeepsItsConnectionAndCall() {
        proxy = InMemoryProxy.start(c -> c.withKeepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1))), A);
        MemoryBackend backend = proxy.backend(A).answer(stream -> { });
        MemoryClient.Call held = proxy.connect().unary(PATH, "hi");
        proxy.run();

        proxy.advance(Duration.ofSeconds(10)); // the in-memory backend answers every PING at once: no time passes

        assertThat(held.ended()).as("ended: %s", held.message()).isFalse();
        assertThat(backend.connections()).hasSize(1);
        assertThat(backend.connections().get(0).frames(RawHttp2Client.PING, 0)).hasSizeGreaterThanOrEqualTo(9);
    }

    @Test
    void aSilentBackendConnectionIsDeadAfterIntervalPlusTimeoutItsCallEndsUnavailableAndTheNextCallSucceeds() {
        proxy = InMemoryProxy.start(c -> c.withKeepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1))), A);
        MemoryBackend backend = proxy.backend(A).answer(stream -> { });
        MemoryClient client = proxy.connect();
        MemoryClient.Call held = client.unary(PATH, "hi");
        proxy.run();
        assertThat(backend.streams()).hasSize(1);
        backend.connections().get(0).freeze(); // a partition: no frame, no PING ack, no FIN

        proxy.advance(Duration.ofMillis(1900));
        assertThat(held.ended()).as("ended before interval + timeout").isFalse();
        proxy.advance(Duration.ofMillis(200));

        assertThat(held.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(backend.connections().get(0).isClosed()).isTrue();
        backend.answer(MemoryBackend.ECHO);
        proxy.advance(Duration.ofMillis(100)); // the pool reconnects in the background
        MemoryClient.Call next = client.unary(PATH, "again");
        proxy.run();
        assertThat(next.status()).isEqualTo(GrpcCode.OK);
        assertThat(backend.connections()).hasSize(2);
    }
}
