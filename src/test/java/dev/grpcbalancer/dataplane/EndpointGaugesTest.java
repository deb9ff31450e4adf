package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The per-route endpoint gauges ({@code grpcbalancer_endpoints{state}}, {@code _available},
 * {@code _ejected}, {@code _unhealthy}) that the dashboard and the no-ready-endpoints alert read:
 * counted over the route's backends from the snapshot and the load balancers' state, following
 * the routes a new snapshot brings and drops. In memory, no sockets.
 */
class EndpointGaugesTest {

    private static final BalancerId FRONT = new BalancerId("shop", "front");
    private static final OutlierDetection EJECT_ON_FIRST_FAILURE = new OutlierDetection(true, 1,
            OutlierDetection.DEFAULT_ERROR_CODES, Duration.ofSeconds(10), Duration.ofSeconds(30), 100);

    private static final RoutePolicy EJECTING = new RoutePolicy(LoadBalancingPolicy.RoundRobin, LoadBalancingOptions.DEFAULT, RoutePolicy.DEFAULT.retry(),
            RoutePolicy.DEFAULT.timeouts(), EJECT_ON_FIRST_FAILURE, RoutePolicy.DEFAULT.healthCheck(), Duration.ZERO,
            HedgingPolicy.DISABLED);

    /** Time stands still: the ejection below lasts for the whole test. */
    private static final LongSupplier NOW = () -> 0L;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DataPlaneMeters dataPlaneMeters = new DataPlaneMeters(registry, false);
    private final BalancerMeters meters = dataPlaneMeters.balancer(FRONT.toString());
    private final TlsContexts tls = new TlsContexts(TlsProvider.JDK, dataPlaneMeters.backendTlsHandshakes());

    @Test
    void eachRouteCountsItsEndpointsByStateAndWhatTheLoadBalancersKnow() {
        BalancerRuntime runtime = BalancerRuntime.of(config(
                route("cart", new RouteBackend("cart:50051", 1, set(ready("10.0.0.1"), ready("10.0.0.2"),
                        draining("10.0.0.3"))), new RouteBackend("static-1", 1, set(ready("10.0.0.4")))),
                route("pay", new RouteBackend("pay:50051", 1, set(ready("10.0.1.1"))))), null, meters, Locality.NONE, NOW, tls);
        meters.countEndpoints(runtime::endpointCounts);

        RouteRuntime cart = runtime.routes().get(0);
        cart.balancers().get(0).setHealthy(new Endpoint("10.0.0.2", 50051, 1, EndpointState.READY).address(), false);
        LoadBalancer payBalancer = runtime.routes().get(1).balancers().get(0);
        Selection failed = payBalancer.pick(null);
        failed.failed();
        failed.finish();

        assertThat(gauge("grpcbalancer.endpoints", "cart", "ready")).isEqualTo(3);
        assertThat(gauge("grpcbalancer.endpoints", "cart", "draining")).isEqualTo(1);
        assertThat(gauge("grpcbalancer.endpoints.available", "cart", null)).as("ready and healthy, over both backends")
                .isEqualTo(2);
        assertThat(gauge("grpcbalancer.endpoints.unhealthy", "cart", null)).isEqualTo(1);
        assertThat(gauge("grpcbalancer.endpoints.ejected", "cart", null)).isZero();
        assertThat(gauge("grpcbalancer.endpoints", "pay", "ready")).isEqualTo(1);
        assertThat(gauge("grpcbalancer.endpoints.ejected", "pay", null)).isEqualTo(1);
        assertThat(gauge("grpcbalancer.endpoints.available", "pay", null)).as("its only endpoint is ejected").isZero();
        assertThat(registry.find("grpcbalancer.endpoints").tag("route", BalancerMeters.UNMATCHED).gauges())
                .as("calls no rule takes have no endpoints to count").isEmpty();
    }

    @Test
    void aNewSnapshotAddsTheGaugesOfNewRoutesAndDropsThoseOfRemovedOnes() {
        BalancerRuntime first = BalancerRuntime.of(config(
                route("cart", new RouteBackend("cart:50051", 1, set(ready("10.0.0.1")))),
                route("pay", new RouteBackend("pay:50051", 1, set(ready("10.0.1.1"))))), null, meters, Locality.NONE, NOW, tls);
        BalancerRuntime[] current = {first};
        meters.countEndpoints(route -> current[0].endpointCounts(route));

        current[0] = BalancerRuntime.of(config(
                route("cart", new RouteBackend("cart:50051", 1, set(ready("10.0.0.1"), ready("10.0.0.2")))),
                route("orders", new RouteBackend("orders:50051", 1, set(draining("10.0.2.1"))))), first, meters, Locality.NONE, NOW, tls);

        assertThat(gauge("grpcbalancer.endpoints", "cart", "ready")).isEqualTo(2);
        assertThat(gauge("grpcbalancer.endpoints", "orders", "draining")).isEqualTo(1);
        assertThat(gauge("grpcbalancer.endpoints.available", "orders", null)).as("draining takes no new calls").isZero();
        assertThat(registry.find("grpcbalancer.endpoints.available").tag("route", "pay").gauges()).isEmpty();
    }

    private double gauge(String name, String route, String state) {
        var search = registry.get(name).tag("balancer", FRONT.toString()).tag("route", route);
        return (state == null ? search : search.tag("state", state)).gauge().value();
    }

    private static BalancerConfig config(Route... routes) {
        return new BalancerConfig(FRONT, 1, 8080, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY)
                .withRoutes(List.of(routes));
    }

    private static Route route(String name, RouteBackend... backends) {
        return new Route(name, List.of(new RouteMatch(MethodMatch.exact("shop." + name, ""), List.of())),
                List.of(backends), EJECTING);
    }

    private static BackendSet set(Endpoint... endpoints) {
        return new BackendSet(List.of(endpoints));
    }

    private static Endpoint ready(String host) {
        return new Endpoint(host, 50051, 1, EndpointState.READY);
    }

    private static Endpoint draining(String host) {
        return new Endpoint(host, 50051, 1, EndpointState.DRAINING);
    }
}
