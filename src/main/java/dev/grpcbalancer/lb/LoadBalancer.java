package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.function.LongSupplier;

/**
 * Picks the endpoint of each call. An instance is immutable over one {@link BackendSet} and safe
 * to use from any thread without locks; when the set changes a new instance is built with
 * {@link #create}, passing the old one so per-endpoint state (calls in flight, consecutive
 * failures, ejections, health, slow start, latency estimates, calls counted by locality) carries
 * over.
 *
 * <p>Ready endpoints take new calls; draining endpoints are picked only when no endpoint is ready.
 * Endpoints ejected by outlier detection or marked unhealthy by health checks take no new calls,
 * unless fewer than the panic threshold of the candidates are available: then all take calls.
 * An endpoint in slow start is picked with a probability that ramps up over the window. When the
 * endpoints carry topology hints and the balancer knows its zone, calls stay in its node or zone
 * while it has enough endpoints available there (see {@link #zoneRouting()}).
 */
public interface LoadBalancer {

    /**
     * Picks an endpoint for a new call.
     *
     * @param avoid an endpoint not to pick if any other is available (the one a failed attempt
     *     used), or {@code null}
     * @param hashKey the call's key for ConsistentHash (the first value of its header), or
     *     {@code null} when the call has none; other policies ignore it
     * @return the selection, which the caller must {@link Selection#finish() finish} exactly once
     *     when the call ends; {@code null} when the balancer has no endpoint
     */
    Selection pick(EndpointAddress avoid, CharSequence hashKey);

    /** {@link #pick(EndpointAddress, CharSequence)} for a call without a hash key. */
    default Selection pick(EndpointAddress avoid) {
        return pick(avoid, null);
    }

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

    /** Whether calls stay in this balancer's node or zone now, and why (not). */
    ZoneRouting zoneRouting();

    /** Calls sent so far to endpoints in this balancer's zone and in other zones (by it and its predecessors). */
    LocalityCalls localityCalls();

    /**
     * @param healthy the active health check's verdict (true without health checks)
     * @param ejected ejected by outlier detection right now
     * @param ejections times ejected so far
     */
    record EndpointStatus(boolean healthy, boolean ejected, long ejections) {

        public static final EndpointStatus UNKNOWN = new EndpointStatus(false, false, 0);
    }

    /** @param detail what happens and why, for operators */
    record ZoneRouting(boolean active, String detail) {}

    /** Calls sent to endpoints of the balancer's own zone and of other zones. */
    record LocalityCalls(long sameZone, long otherZone) {}

    /** A balancer without outlier detection, health state or slow start. */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous) {
        return LoadBalancers.create(policy, backends, previous, OutlierDetection.DISABLED, HealthCheck.DEFAULT,
                Duration.ZERO, System::nanoTime);
    }

    /** The balancer of one backend set of a route, run with the route's {@code policy}, outside any zone. */
    static LoadBalancer create(RoutePolicy policy, BackendSet backends, LoadBalancer previous) {
        return create(policy, backends, previous, Locality.NONE, System::nanoTime);
    }

    /**
     * The same, for a balancer running at {@code local} (its zone and node; unknown parts empty),
     * reading time (ejections, slow start, latency estimates) from {@code nanoTime}.
     */
    static LoadBalancer create(RoutePolicy policy, BackendSet backends, LoadBalancer previous, Locality local,
            LongSupplier nanoTime) {
        requireNonNull(policy, "policy");
        return LoadBalancers.create(policy.loadBalancing(), backends, previous,
                new LoadBalancers.Settings(policy.outlierDetection(), policy.healthCheck().panicThresholdPercent(),
                        policy.slowStartWindow().toNanos(), policy.loadBalancingOptions(), requireNonNull(local, "local"),
                        requireNonNull(nanoTime, "nanoTime")));
    }
}
