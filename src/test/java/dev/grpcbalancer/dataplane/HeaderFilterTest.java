package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HeaderModifier;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteFilters;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GRPCRoute's header filters as the call engine applies them, on in-memory connections:
 * {@code RequestHeaderModifier} changes what every attempt sends the backend (removes, sets, adds),
 * {@code ResponseHeaderModifier} changes the response headers the client gets (also a trailers-only
 * answer, which is the response's only HEADERS), never trailers; a rule's filters touch only its
 * own calls.
 */
class HeaderFilterTest {

    private static final String A = "10.0.0.1:50051";
    private static final String B = "10.0.0.2:50051";
    private static final String PATH = "/test.Echo/Unary";

    private static final HeaderModifier REQUEST = new HeaderModifier(
            List.of(new HeaderModifier.Header("x-tenant", "green")),
            List.of(new HeaderModifier.Header("x-multi", "b")),
            List.of("x-drop"));
    private static final HeaderModifier RESPONSE = new HeaderModifier(
            List.of(new HeaderModifier.Header("x-served-by", "grpc-balancer")),
            List.of(new HeaderModifier.Header("x-multi", "b")),
            List.of("x-internal"));

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void requestHeadersAreRemovedSetAndAddedBeforeTheBackendSeesThem() {
        start(filtered(new RouteFilters(REQUEST, HeaderModifier.NONE)), A);

        proxy.connect().unary(MemoryClient.grpcRequest(PATH, "x-tenant", "blue", "x-tenant", "red", "x-multi", "a",
                "x-drop", "1", "x-keep", "yes"), "hi");
        proxy.run();

        Http2Headers seen = proxy.backend(A).streams().get(0).request();
        assertThat(values(seen, "x-tenant")).as("set replaces every value").containsExactly("green");
        assertThat(values(seen, "x-multi")).as("add keeps the values there").containsExactly("a", "b");
        assertThat(seen.get("x-drop")).isNull();
        assertThat(values(seen, "x-keep")).containsExactly("yes");
        assertThat(seen.path().toString()).isEqualTo(PATH);
    }

    @Test
    void everyAttemptOfARetriedCallSendsTheHeadersRewrittenOnce() {
        start(c -> filtered(new RouteFilters(REQUEST, HeaderModifier.NONE)).apply(
                c.withRetry(CallRetryTest.retry(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO))), A, B);
        proxy.backend(A).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down"));
        proxy.backend(B).answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down"));

        MemoryClient.Call call = proxy.connect().unary(MemoryClient.grpcRequest(PATH, "x-multi", "a"), "hi");
        proxy.advance(Duration.ofSeconds(1));

        List<MemoryBackend.Stream> attempts = new ArrayList<>(proxy.backend(A).streams());
        attempts.addAll(proxy.backend(B).streams());
        assertThat(attempts).hasSize(2);
        assertThat(attempts).allSatisfy(attempt -> {
            assertThat(values(attempt.request(), "x-multi")).containsExactly("a", "b");
            assertThat(values(attempt.request(), "x-tenant")).containsExactly("green");
        });
        assertThat(call.status()).isEqualTo(GrpcCode.UNAVAILABLE);
    }

    @Test
    void responseHeadersAreRewrittenAndTrailersLeftAlone() {
        start(filtered(new RouteFilters(HeaderModifier.NONE, RESPONSE)), A);
        proxy.backend(A).answer(s -> {
            s.connection().headers(s.id(), new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")
                    .set("x-internal", "secret").add("x-multi", "a"), false);
            s.respondMessage(s.requestBody());
            s.connection().headers(s.id(), new DefaultHttp2Headers().set("grpc-status", "0")
                    .set("x-internal", "trailer").add("x-multi", "a"), true);
        });

        MemoryClient.Call call = proxy.connect().unary(PATH, "hi");
        proxy.run();

        assertThat(call.status()).isEqualTo(GrpcCode.OK);
        assertThat(call.header("x-internal")).isNull();
        assertThat(call.header("x-served-by")).isEqualTo("grpc-balancer");
        assertThat(values(call.headers(), "x-multi")).containsExactly("a", "b");
        assertThat(call.headers().get("content-type").toString()).isEqualTo("application/grpc");
        assertThat(call.trailers().get("x-internal").toString()).as("trailers untouched").isEqualTo("trailer");
        assertThat(values(call.trailers(), "x-multi")).containsExactly("a");
        assertThat(call.trailers().get("x-served-by")).isNull();
    }

    @Test
    void aTrailersOnlyAnswerGetsTheResponseRewriteAndKeepsItsStatus() {
        start(filtered(new RouteFilters(HeaderModifier.NONE, RESPONSE)), A);
        proxy.backend(A).answer(s -> s.trailersOnly(GrpcCode.NOT_FOUND, "none"));

        MemoryClient.Call call = proxy.connect().unary(PATH, "hi");
        proxy.run();

        assertThat(call.trailersOnly()).isTrue();
        assertThat(call.status()).isEqualTo(GrpcCode.NOT_FOUND);
        assertThat(call.message()).isEqualTo("none");
        assertThat(call.trailers().get("x-served-by").toString()).isEqualTo("grpc-balancer");
    }

    @Test
    void aRulesFiltersTouchOnlyItsOwnCalls() {
        start(c -> {
            RouteBackend all = new RouteBackend("static-0", 1, c.backends());
            return c.withRoutes(List.of(
                    new Route("filtered", List.of(), List.of(new RouteMatch(
                            MethodMatch.exact("test.Echo", "Unary"), List.of())),
                            List.of(all), c.routePolicy(), new RouteFilters(REQUEST, RESPONSE)),
                    new Route("plain", List.of(RouteMatch.ALL), List.of(all), c.routePolicy())));
        }, A);

        MemoryClient client = proxy.connect();
        MemoryClient.Call plain = client.unary(MemoryClient.grpcRequest("/test.Echo/Other", "x-drop", "1"), "x");
        MemoryClient.Call filtered = client.unary(MemoryClient.grpcRequest(PATH, "x-drop", "1"), "x");
        proxy.run();

        List<MemoryBackend.Stream> streams = proxy.backend(A).streams();
        assertThat(streams.get(0).header("x-drop")).isEqualTo("1");
        assertThat(streams.get(0).header("x-tenant")).isNull();
        assertThat(plain.header("x-served-by")).isNull();
        assertThat(streams.get(1).header("x-drop")).isNull();
        assertThat(streams.get(1).header("x-tenant")).isEqualTo("green");
        assertThat(filtered.header("x-served-by")).isEqualTo("grpc-balancer");
    }

    private void start(UnaryOperator<BalancerConfig> tune, String... endpoints) {
        proxy = InMemoryProxy.start(tune, endpoints);
        for (String endpoint : endpoints) {
            proxy.backend(endpoint); // a backend not asked for yet refuses connections
        }
    }

    /** The balancer's one route, with {@code filters}. */
    private static UnaryOperator<BalancerConfig> filtered(RouteFilters filters) {
        return c -> {
            Route route = c.effectiveRoutes().get(0);
            return c.withRoutes(List.of(new Route(route.name(), List.of(), route.matches(),
                    List.of(new RouteBackend("static-0", 1, c.backends())), route.policy(), filters)));
        };
    }

    private static List<String> values(Http2Headers headers, String name) {
        return headers.getAll(name).stream().map(CharSequence::toString).toList();
    }
}
