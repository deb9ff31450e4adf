package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.function.LongSupplier;

/**
 * Picks the endpoint of each call. An instance is immutable over one {@link BackendSet} and safe
 * to use from any thread without locks; when the set changes a new instance is built with
 * {@link #create}, passing the old one so per-endpoint state (calls in flight, consecutive
 * failures, ejections, health, slow start) carries over.
 *
 * <p>Ready endpoints take new calls; draining endpoints are picked only when no endpoint is ready.
 * Endpoints ejected by outlier detection or marked unhealthy by health checks take no new calls,
 * unless fewer than the panic threshold of the candidates are available: then all take calls.
 * An endpoint in slow start is picked with a probability that ramps up over the window.
 */
public interface LoadBalancer {

    /**
     * Picks an endpoint for a new call.
     *
     * @param avoid an endpoint not to pick if any other is available (the one a failed attempt
     *     used), or {@code null}
     * @return the selection, which the caller must {@link Selection#finish() finish} exactly once
     *     when the call ends; {@code null} when the balancer has no endpoint
     */
    Selection pick(EndpointAddress avoid);

    /**
     * Picks an endpoint for a hedged attempt: one outside {@code avoid} (the endpoints the call's
     * other attempts use) if any such endpoint is available, else as {@link #pick} would.
     *
     * @return as {@link #pick}
     */
    Selection pickOther(Collection<EndpointAddress> avoid);

    /** Calls in flight on {@code address} as counted by this balancer and its predecessors. */
    int inFlight(EndpointAddress address);

    /**
     * Records the active health check's verdict on {@code address} (ignored for an endpoint this
     * balancer does not have). An endpoint that becomes healthy again starts a slow start.
     */
    void setHealthy(EndpointAddress address, boolean healthy);

    /** Whether {@code address} takes new calls now (not ejected, not unhealthy). */
    boolean isAvailable(EndpointAddress address);

    /** What operators see of {@code address}: health check verdict, ejection now and ejections so far. */
    EndpointStatus status(EndpointAddress address);

    /**
     * @param healthy the active health check's verdict (true without health checks)
     * @param ejected ejected by outlier detection right now
     * @param ejections times ejected so far
     */
    record EndpointStatus(boolean healthy, boolean ejected, long ejections) {

        public static final EndpointStatus UNKNOWN = new EndpointStatus(false, false, 0);
    }

    /** A balancer without outlier detection, health state or slow start. */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous) {
        return LoadBalancers.create(policy, backends, previous, OutlierDetection.DISABLED, HealthCheck.DEFAULT,
                Duration.ZERO, System::nanoTime);
    }

    /** The balancer of one backend set of a route, run with the route's {@code policy}. */
    static LoadBalancer create(RoutePolicy policy, BackendSet backends, LoadBalancer previous) {
        return create(policy, backends, previous, System::nanoTime);
    }

    /** The same, reading time (ejections, slow start) from {@code nanoTime}. */
    static LoadBalancer create(RoutePolicy policy, BackendSet backends, LoadBalancer previous, LongSupplier nanoTime) {
        requireNonNull(policy, "policy");
        return LoadBalancers.create(policy.loadBalancing(), backends, previous, policy.outlierDetection(),
                policy.healthCheck(), policy.slowStartWindow(), requireNonNull(nanoTime, "nanoTime"));
    }
}
