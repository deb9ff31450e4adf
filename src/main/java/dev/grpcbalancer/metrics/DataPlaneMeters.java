package dev.grpcbalancer.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The data plane's meters: one {@link BalancerMeters} per running balancer, created when its
 * listener opens and removed when it closes, so a deleted balancer leaves no series behind.
 */
public final class DataPlaneMeters {

    private final MeterRegistry registry;
    private final boolean perEndpoint;
    private final boolean perMethod;
    private final ConcurrentMap<String, BalancerMeters> balancers = new ConcurrentHashMap<>();
    private final TlsHandshakeMeters backendHandshakes;

    /**
     * @param perEndpoint also keep meters per endpoint, labelled with its address (many series
     *     where pods come and go; off unless the operator asks)
     */
    public DataPlaneMeters(MeterRegistry registry, boolean perEndpoint) {
        this(registry, perEndpoint, false);
    }

    /**
     * @param perEndpoint also keep meters per endpoint of each route's backends, labelled with its
     *     address (many series where pods come and go; off unless the operator asks)
     * @param perMethod also label call meters with {@code grpc_service} and {@code grpc_method} for
     *     the methods exact matches name (a set the configuration bounds; off unless asked)
     */
    public DataPlaneMeters(MeterRegistry registry, boolean perEndpoint, boolean perMethod) {
        this.registry = requireNonNull(registry, "registry");
        this.perEndpoint = perEndpoint;
        this.perMethod = perMethod;
        this.backendHandshakes = new TlsHandshakeMeters(registry, "grpcbalancer.backend.tls.handshakes",
                "TLS handshakes with backends, by result: ok (with the version) or failed (with a reason)",
                Tags.empty(), meter -> { });
    }

    /** TLS handshakes with backends ({@code grpcbalancer_backend_tls_handshakes_total}); connections are shared by balancers. */
    public TlsHandshakeMeters backendTlsHandshakes() {
        return backendHandshakes;
    }

    /** Meters that go nowhere (tests and tools that do not read them). */
    public static DataPlaneMeters discarding() {
        return new DataPlaneMeters(new SimpleMeterRegistry(), false);
    }

    /** The meters of balancer {@code name} ({@code namespace/name}), created on first use. */
    public BalancerMeters balancer(String name) {
        return balancers.computeIfAbsent(name, n -> new BalancerMeters(registry, n, perEndpoint, perMethod));
    }

    /** Drops the meters of a balancer that no longer runs. */
    public void remove(String name) {
        BalancerMeters meters = balancers.remove(name);
        if (meters != null) {
            meters.remove();
        }
    }
}
