package dev.grpcbalancer.dataplane.call;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.lb.BackendSplit;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.lb.Selection;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.CallMeters;
import dev.grpcbalancer.metrics.EndpointCounts;
import dev.grpcbalancer.metrics.EndpointMeters;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutePolicy;
import dev.grpcbalancer.snapshot.Timeouts;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Collection;
import java.util.List;

/**
 * Everything a call reads, resolved once when its HEADERS arrive (its route): how to pick an
 * endpoint (the route's backends, each with its own load balancer, split by weight), its retry or
 * hedging policy and retry budget, timeouts, outlier detection, meters, how connections to the
 * backends are secured (the balancer's {@code backendTLS}), and the header rewrites of its
 * filters, compiled once here rather than per call. Immutable (the
 * balancers' and budget's counters and the meters aside); a new snapshot builds a new one.
 *
 * <p>{@link #matched()} is false for the stand-in of calls that no rule takes: they end with
 * UNIMPLEMENTED and count under route {@value BalancerMeters#UNMATCHED}.
 */
public final class RouteRuntime {

    private final BalancerId balancer;
    private final Route route;
    private final boolean matched;
    private final List<LoadBalancer> balancers;
    private final List<EndpointMeters> endpointMeters;
    private final BackendSplit split;
    private final RetryBudget retryBudget;
    private final CallMeters meters;
    private final HeaderRewrite requestRewrite;
    private final HeaderRewrite responseRewrite;
    private final UpstreamTls upstreamTls;
    /** The header whose first value is a call's ConsistentHash key, or null when the policy hashes nothing. */
    private final AsciiString hashHeader;
    private final Keepalive keepalive;

    /**
     * @param balancers the load balancer of each of the route's backends, in order
     * @param endpointMeters the per-endpoint meters of each backend, in order; null without them
     * @param upstreamTls how connections to the backends are secured
     * @param keepalive for the backend connections its calls open
     */
    public RouteRuntime(BalancerId balancer, Route route, boolean matched, List<LoadBalancer> balancers,
            List<EndpointMeters> endpointMeters, RetryBudget retryBudget, CallMeters meters, UpstreamTls upstreamTls,
            Keepalive keepalive) {
        this.balancer = balancer;
        this.route = route;
        this.matched = matched;
        this.balancers = List.copyOf(balancers);
        this.endpointMeters = endpointMeters == null ? null : List.copyOf(endpointMeters);
        this.split = BackendSplit.create(route.backends(), this.balancers);
        this.retryBudget = retryBudget;
        this.meters = meters;
        this.requestRewrite = HeaderRewrite.of(route.filters().request());
        this.responseRewrite = HeaderRewrite.of(route.filters().response());
        this.upstreamTls = upstreamTls;
        String header = route.policy().loadBalancingOptions().consistentHash().header();
        this.hashHeader = route.policy().loadBalancing() == LoadBalancingPolicy.ConsistentHash && !header.isEmpty()
                ? AsciiString.cached(header) : null;
        this.keepalive = requireNonNull(keepalive, "keepalive");
    }

    private RouteRuntime(RouteRuntime base, CallMeters meters) {
        this.balancer = base.balancer;
        this.route = base.route;
        this.matched = base.matched;
        this.balancers = base.balancers;
        this.endpointMeters = base.endpointMeters;
        this.split = base.split;
        this.retryBudget = base.retryBudget;
        this.meters = meters;
        this.requestRewrite = base.requestRewrite;
        this.responseRewrite = base.responseRewrite;
        this.upstreamTls = base.upstreamTls;
        this.hashHeader = base.hashHeader;
        this.keepalive = base.keepalive;
    }

    /** The same route counting its calls in {@code other} meters (a method's own, with method meters). */
    public RouteRuntime withMeters(CallMeters other) {
        return other == meters ? this : new RouteRuntime(this, other);
    }

    /** How connections to the route's backends are secured. */
    UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    /**
     * An endpoint for a new attempt or a retry (see {@link BackendSplit#pick}) of the call with
     * {@code requestHeaders}; null when the route has none.
     */
    Selection pick(EndpointAddress avoid, Http2Headers requestHeaders) {
        return split.pick(avoid, hashHeader == null ? null : requestHeaders.get(hashHeader));
    }

    /** An endpoint for a hedge: one none of the call's other attempts uses, where possible. */
    Selection pickOther(Collection<EndpointAddress> avoid) {
        return split.pickOther(avoid);
    }

    /** The per-endpoint meters of the selection's endpoint; null without per-endpoint meters. */
    EndpointMeters.Endpoint endpointMeters(Selection selection) {
        if (endpointMeters == null) {
            return null;
        }
        LoadBalancer owner = selection.balancer();
        for (int i = 0; i < balancers.size(); i++) {
            if (balancers.get(i) == owner) {
                return endpointMeters.get(i).endpoint(selection.address());
            }
        }
        return null;
    }

    public boolean matched() {
        return matched;
    }

    public BalancerId balancer() {
        return balancer;
    }

    public String name() {
        return route.name();
    }

    public Route route() {
        return route;
    }

    public RoutePolicy policy() {
        return route.policy();
    }

    public RetryPolicy retry() {
        return route.policy().retry();
    }

    HedgingPolicy hedging() {
        return route.policy().hedging();
    }

    Keepalive keepalive() {
        return keepalive;
    }

    Timeouts timeouts() {
        return route.policy().timeouts();
    }

    OutlierDetection outlierDetection() {
        return route.policy().outlierDetection();
    }

    public RetryBudget retryBudget() {
        return retryBudget;
    }

    CallMeters meters() {
        return meters;
    }

    /** The load balancer of each backend, in the route's order. */
    public List<LoadBalancer> balancers() {
        return balancers;
    }

    /**
     * The route's endpoints now, summed over its backends: by the snapshot's state, and by what each
     * backend's load balancer knows (ejections, health). For the endpoint gauges; not on the call path.
     */
    public EndpointCounts endpointCounts() {
        int ready = 0;
        int draining = 0;
        int available = 0;
        int ejected = 0;
        int unhealthy = 0;
        List<RouteBackend> backends = route.backends();
        for (int i = 0; i < backends.size(); i++) {
            LoadBalancer balancer = balancers.get(i);
            for (Endpoint endpoint : backends.get(i).endpoints().endpoints()) {
                LoadBalancer.EndpointStatus status = balancer.status(endpoint.address());
                boolean isReady = endpoint.state() == EndpointState.READY;
                ready += isReady ? 1 : 0;
                draining += isReady ? 0 : 1;
                available += isReady && status.healthy() && !status.ejected() ? 1 : 0;
                ejected += status.ejected() ? 1 : 0;
                unhealthy += status.healthy() ? 0 : 1;
            }
        }
        return new EndpointCounts(ready, draining, available, ejected, unhealthy);
    }

    /** The route's {@code RequestHeaderModifier}: applied to a call's request headers before any attempt. */
    HeaderRewrite requestRewrite() {
        return requestRewrite;
    }

    /** The route's {@code ResponseHeaderModifier}: applied to the backend's response headers (not trailers). */
    HeaderRewrite responseRewrite() {
        return responseRewrite;
    }

    /** Why a call found no endpoint: for its UNAVAILABLE message. */
    String noEndpointsReason() {
        for (RouteBackend backend : route.backends()) {
            if (backend.isInvalid() && backend.weight() > 0) {
                // Calls that land on an invalid backend get no endpoint (GRPCRoute): say which and why.
                return "backendRef " + backend.name() + " of rule " + route.name() + " of balancer " + balancer
                        + " is invalid: " + backend.invalidReason();
            }
        }
        if (route.backends().isEmpty()) {
            return "rule " + route.name() + " of balancer " + balancer + " has no backends";
        }
        if (route.backends().stream().allMatch(b -> b.weight() == 0)) {
            return "every backend of rule " + route.name() + " of balancer " + balancer + " has weight 0";
        }
        return Route.DEFAULT_NAME.equals(route.name()) && route.backends().size() == 1
                ? "no endpoints available for balancer " + balancer
                : "no endpoints available for rule " + route.name() + " of balancer " + balancer;
    }
}
