package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.dataplane.DataPlaneSettings;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A {@link DataPlane} under test with one balancer ({@link #BALANCER}) on 127.0.0.1 and a free
 * port, configured as the end-to-end tests want it (2 event loops, a 1 s drain timeout):
 *
 * <pre>{@code
 * try (ProxyFixture proxy = ProxyFixture.start()) {
 *   proxy.route(LoadBalancingPolicy.RoundRobin, ProxyFixture.endpoint(a.address()), ProxyFixture.endpoint(b.address()));
 *   TestClient client = TestClient.connect(proxy.address());
 * }
 * }</pre>
 *
 * <p>{@link #route} publishes a complete snapshot (the port stays the same) and returns once the
 * listener is bound, so the next call uses the new endpoints.
 */
public final class ProxyFixture implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final BalancerId BALANCER = new BalancerId("default", "echo");
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

    private final DataPlane dataPlane;
    private final int port;

    private ProxyFixture(DataPlaneSettings settings, DataPlaneMeters meters) {
        this.dataPlane = new DataPlane(settings, meters);
        this.port = FreePorts.freeLoopbackPort();
    }

    /** The settings tests use: bound to 127.0.0.1, 2 event loops, 1 s drain timeout. */
    public static DataPlaneSettings settings() {
        return DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(2).withDrainTimeout(Duration.ofSeconds(1));
    }

    /** {@code settings} with another connect timeout (TCP connect plus the backend's first SETTINGS). */
    public static DataPlaneSettings withConnectTimeout(DataPlaneSettings settings, Duration connectTimeout) {
        return settings.withConnectTimeout(connectTimeout);
    }

    public static ProxyFixture start() {
        return start(settings());
    }

    public static ProxyFixture start(DataPlaneSettings settings) {
        return new ProxyFixture(requireNonNull(settings, "settings"), DataPlaneMeters.discarding());
    }

    /** A data plane with {@code settings} whose meters go to {@code meters}. */
    public static ProxyFixture start(DataPlaneSettings settings, DataPlaneMeters meters) {
        return new ProxyFixture(requireNonNull(settings, "settings"), requireNonNull(meters, "meters"));
    }

    /** A data plane with the test settings whose meters go to {@code meters}. */
    public static ProxyFixture start(DataPlaneMeters meters) {
        return start(settings(), meters);
    }

    /** A ready endpoint of weight 1 at {@code address}. */
    public static Endpoint endpoint(InetSocketAddress address) {
        return Endpoint.ready(address.getHostString(), address.getPort());
    }

    public static Endpoint endpoint(InetSocketAddress address, int weight, EndpointState state) {
        return new Endpoint(address.getHostString(), address.getPort(), weight, state);
    }

    /** Publishes the balancer with these endpoints (in this order) and waits until it listens. */
    public ProxyFixture route(LoadBalancingPolicy policy, Endpoint... endpoints) {
        return route(policy, List.of(endpoints));
    }

    public ProxyFixture route(LoadBalancingPolicy policy, List<Endpoint> endpoints) {
        return route(config -> config, policy, endpoints);
    }

    /**
     * Publishes the balancer with these endpoints, its config (retries, timeouts, health...)
     * changed by {@code tune} from the defaults, and waits until it listens.
     */
    public ProxyFixture route(UnaryOperator<BalancerConfig> tune, LoadBalancingPolicy policy, List<Endpoint> endpoints) {
        dataPlane.publish(new RoutingSnapshot(List.of(
                tune.apply(new BalancerConfig(BALANCER, 1, port, policy, new BackendSet(endpoints))))));
        Await.until(BIND_TIMEOUT, dataPlane::isReady, () -> "listener bound: " + dataPlane.notReadyReason());
        return this;
    }

    /**
     * Publishes the balancer with these rules (the balancer-level settings the defaults) and
     * waits until it listens.
     */
    public ProxyFixture routes(Route... routes) {
        dataPlane.publish(new RoutingSnapshot(List.of(
                new BalancerConfig(BALANCER, 1, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY)
                        .withRoutes(List.of(routes)))));
        Await.until(BIND_TIMEOUT, dataPlane::isReady, () -> "listener bound: " + dataPlane.notReadyReason());
        return this;
    }

    /** A route backend named {@code name} of weight {@code weight} over these endpoints. */
    public static RouteBackend backend(String name, int weight, InetSocketAddress... addresses) {
        return new RouteBackend(name, weight, new BackendSet(Arrays.stream(addresses).map(ProxyFixture::endpoint).toList()));
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return new InetSocketAddress(HOST, port);
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** Client connections the balancer's listener holds now. */
    public int clientConnections() {
        return dataPlane.clientConnections(BALANCER);
    }

    @Override
    public void close() {
        dataPlane.close();
    }
}
