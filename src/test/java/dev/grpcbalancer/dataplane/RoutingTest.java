package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.backend;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules end to end, with real grpc-java clients and backends: calls reach the rule of their
 * service, method and headers, weighted backends split exactly, unmatched calls get
 * UNIMPLEMENTED, a rule's own retry policy applies to its calls only, and a new split takes
 * over under load without a failed call.
 */
class RoutingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> TENANT = TestService.ascii("x-tenant");

    private TestBackend a;
    private TestBackend b;
    private TestBackend c;
    private ProxyFixture proxy;
    private TestClient client;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        c = TestBackend.start("c", "127.0.0.4");
        proxy = ProxyFixture.start();
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    @AfterEach
    void stop() {
        client.close();
        proxy.close();
        a.close();
        b.close();
        c.close();
    }

    @Test
    void a95To5SplitSendsExactly1900Of2000CallsToStableAnd100ToTheCanary() {
        proxy.routes(rule("cart", List.of(), backend("stable", 95, a.address()), backend("canary", 5, b.address())));

        Map<String, Integer> served = callsPerBackend(2000, 50);

        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("a", 1900, "b", 100));
    }

    @Test
    void callsGoToTheRuleOfTheirServiceAndMethod() {
        proxy.routes(
                rule("cart", List.of(new RouteMatch(MethodMatch.exact("shop.Cart", ""))), backend("cart", 1, a.address())),
                rule("pay", List.of(new RouteMatch(MethodMatch.exact("shop.Checkout", "Pay"))),
                        backend("pay", 1, b.address())),
                rule("checkout", List.of(new RouteMatch(MethodMatch.exact("shop.Checkout", ""))),
                        backend("checkout", 1, c.address())));

        assertThat(backendOf(call("shop.Cart/Get", RequestHeaders.none()))).isEqualTo("a");
        assertThat(backendOf(call("shop.Checkout/Pay", RequestHeaders.none()))).isEqualTo("b");
        assertThat(backendOf(call("shop.Checkout/Refund", RequestHeaders.none()))).isEqualTo("c");
    }

    @Test
    void aHeaderMatchSendsGoldTenantsToTheirOwnBackend() {
        proxy.routes(
                rule("checkout", List.of(new RouteMatch(MethodMatch.exact("shop.Checkout", ""))),
                        backend("checkout", 1, a.address())),
                rule("gold-checkout", List.of(new RouteMatch(MethodMatch.exact("shop.Checkout", "Pay"),
                        HeaderMatch.exact("x-tenant", "gold"))), backend("gold", 1, b.address())));

        assertThat(backendOf(call("shop.Checkout/Pay", RequestHeaders.create().put(TENANT, "gold").build())))
                .isEqualTo("b");
        assertThat(backendOf(call("shop.Checkout/Pay", RequestHeaders.create().put(TENANT, "silver").build())))
                .isEqualTo("a");
        assertThat(backendOf(call("shop.Checkout/Pay", RequestHeaders.none()))).isEqualTo("a");
    }

    @Test
    void aRegularExpressionMatchTakesTheServicesItDescribes() {
        proxy.routes(
                rule("v2", List.of(new RouteMatch(MethodMatch.regex("shop\\.v2\\..+", ""))), backend("v2", 1, b.address())),
                rule("rest", List.of(), backend("rest", 1, a.address())));

        assertThat(backendOf(call("shop.v2.Cart/Get", RequestHeaders.none()))).isEqualTo("b");
        assertThat(backendOf(call("shop.v2.Orders/List", RequestHeaders.none()))).isEqualTo("b");
        assertThat(backendOf(call("shop.v1.Cart/Get", RequestHeaders.none()))).isEqualTo("a");
    }

    @Test
    void aCallThatNoRuleTakesGetsUnimplementedNamingItsMethod() {
        proxy.routes(rule("cart", List.of(new RouteMatch(MethodMatch.exact("shop.Cart", ""))),
                backend("cart", 1, a.address())));

        CallResult result = call("shop.Orders/List", RequestHeaders.none());

        assertThat(result.code()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(result.description()).contains("/shop.Orders/List", "default/echo");
        assertThat(a.stats().callsStarted()).isZero();
        assertThat(backendOf(call("shop.Cart/Get", RequestHeaders.none()))).as("the connection goes on").isEqualTo("a");
    }

    @Test
    void aBackendWithoutEndpointsIsSkippedAndARuleWithNoneAnswersUnavailable() {
        proxy.routes(
                rule("split", List.of(new RouteMatch(MethodMatch.exact("shop.Cart", ""))),
                        backend("gone", 50), backend("here", 50, a.address())),
                rule("empty", List.of(new RouteMatch(MethodMatch.exact("shop.Orders", ""))), backend("gone", 1)));

        for (int i = 0; i < 10; i++) {
            assertThat(backendOf(call("shop.Cart/Get", RequestHeaders.none()))).isEqualTo("a");
        }
        CallResult empty = call("shop.Orders/List", RequestHeaders.none());
        assertThat(empty.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(empty.description()).contains("rule empty");
    }

    @Test
    void aRulesOwnRetryPolicyAppliesToItsCallsOnly() {
        a.setBehavior(Behavior.FAIL_UNAVAILABLE);
        RoutePolicy retrying = RoutePolicy.DEFAULT.withRetry(
                RetryAndTimeoutTest.retry(1, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO));
        proxy.routes(
                new Route("flaky", List.of(new RouteMatch(MethodMatch.exact("shop.Flaky", ""))),
                        List.of(backend("both", 1, a.address(), b.address())), retrying),
                rule("plain", List.of(), backend("both", 1, a.address(), b.address())));

        int plainFailures = 0;
        for (int i = 0; i < 20; i++) {
            CallResult flaky = call("shop.Flaky/Get", RequestHeaders.none());
            assertThat(flaky.code()).as(flaky.toString()).isEqualTo(Status.Code.OK);
            assertThat(flaky.backendId()).isEqualTo("b");
            CallResult plain = call("shop.Plain/Get", RequestHeaders.none());
            if (plain.code() == Status.Code.UNAVAILABLE) {
                plainFailures++;
            }
        }

        assertThat(plainFailures).as("round robin over a failing and a healthy endpoint, no retries").isEqualTo(10);
    }

    @Test
    void changingTheSplitFrom95To5To50To50UnderLoadFailsNoCall() {
        proxy.routes(rule("echo", List.of(), backend("stable", 95, a.address()), backend("canary", 5, b.address())));
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), 4)) {
            load.awaitSucceeded(200, WAIT);

            proxy.routes(rule("echo", List.of(), backend("stable", 50, a.address()), backend("canary", 50, b.address())));
            load.awaitCallsStartedFromNow(WAIT);
            long aBefore = load.callsTo("a");
            long bBefore = load.callsTo("b");
            load.awaitSucceeded(load.succeeded() + 400, WAIT);
            long toA = load.callsTo("a") - aBefore;
            long toB = load.callsTo("b") - bBefore;

            assertThat(load.failures()).isEmpty();
            assertThat(Math.abs(toA - toB)).as("calls after the change: a %d, b %d", toA, toB).isLessThanOrEqualTo(8);
        }
    }

    private static Route rule(String name, List<RouteMatch> matches, RouteBackend... backends) {
        return new Route(name, matches, List.of(backends), RoutePolicy.DEFAULT);
    }

    private CallResult call(String method, Metadata headers) {
        return client.unary(method, utf8("hello"), headers, DEADLINE);
    }

    private static String backendOf(CallResult result) {
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(result.bodyUtf8()).isEqualTo("hello");
        return result.backendId();
    }

    /** {@code calls} unary calls over the one client connection, at most {@code concurrency} in flight, by backend. */
    private Map<String, Integer> callsPerBackend(int calls, int concurrency) {
        Semaphore slots = new Semaphore(concurrency);
        List<TestCall> started = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            try {
                assertThat(slots.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            TestCall call = client.startUnary(utf8("call " + i), RequestHeaders.none(), DEADLINE);
            call.result().whenComplete((result, error) -> slots.release());
            started.add(call);
        }
        Map<String, Integer> served = new TreeMap<>();
        for (TestCall call : started) {
            CallResult result = call.await(WAIT);
            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            served.merge(result.backendId(), 1, Integer::sum);
        }
        return served;
    }
}
