package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the data plane needs to run one balancer.
 *
 * @param generation the source's generation of the balancer (metadata.generation), reported by
 *     admin endpoints; a change of generation alone does not restart anything
 * @param backends the endpoints of the shorthand ({@code spec.backendRef} or
 *     {@code spec.staticEndpoints}): one route that takes every call; empty when {@code routes} are given
 * @param slowStartWindow a newly added or newly healthy endpoint's share of calls ramps up over
 *     this long; {@link Duration#ZERO} for no ramp
 * @param routes the balancer's rules ({@code spec.rules}), in the order written; empty for the
 *     shorthand. The balancer-level policy fields are the defaults the rules were resolved from.
 * @param hedging hedged attempts ({@link HedgingPolicy#DISABLED} for none); when enabled the
 *     balancer does not retry, and takes only the budget and replay buffer of {@code retry}
 * @param listenerTls TLS on the listener, {@link ListenerTls#PLAINTEXT} for h2c
 * @param backendTls TLS to the backends (of every route), {@link BackendTls#PLAINTEXT} for h2c
 * @param loadBalancing the tunables of the policies (PeakEwma, ConsistentHash) and of zone-aware
 *     routing, which routes of the shorthand run with and rules start from
 * @param listener how long client connections live (max age, grace, idle timeout)
 * @param keepalive HTTP/2 PINGs on the connections to the backends
 * @param routed whether only {@code routes} take calls even when there are none (a Gateway
 *     listener without routes answers every call UNIMPLEMENTED); false for the shorthand. True
 *     whenever {@code routes} is not empty.
 */
public record BalancerConfig(
        BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
        RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
        Duration slowStartWindow, List<Route> routes, HedgingPolicy hedging, ListenerTls listenerTls,
        BackendTls backendTls, LoadBalancingOptions loadBalancing, ListenerLifecycle listener, Keepalive keepalive,
        boolean routed) {

    public BalancerConfig {
        requireNonNull(id, "id");
        requireNonNull(policy, "policy");
        requireNonNull(backends, "backends");
        requireNonNull(retry, "retry");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(slowStartWindow, "slowStartWindow");
        routes = List.copyOf(requireNonNull(routes, "routes"));
        requireNonNull(hedging, "hedging");
        requireNonNull(listenerTls, "listenerTls");
        requireNonNull(backendTls, "backendTls");
        requireNonNull(loadBalancing, "loadBalancing");
        requireNonNull(listener, "listener");
        requireNonNull(keepalive, "keepalive");
        if ((routed || !routes.isEmpty()) && !backends.isEmpty()) {
            throw new IllegalArgumentException("a balancer has either routes or shorthand backends, not both");
        }
        routed = routed || !routes.isEmpty();
        Set<String> names = new HashSet<>();
        for (Route route : routes) {
            if (!names.add(route.name())) {
                throw new IllegalArgumentException("route " + route.name() + " listed twice");
            }
        }
        if (listenerPort < 1 || listenerPort > 65535) {
            throw new IllegalArgumentException("listenerPort must be 1..65535: " + listenerPort);
        }
        if (slowStartWindow.isNegative()) {
            throw new IllegalArgumentException("slowStartWindow must not be negative: " + slowStartWindow);
        }
    }

    /** A plaintext balancer with the default retries, timeouts and health checking, and no slow start. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy,
            BackendSet backends) {
        this(id, generation, listenerPort, policy, backends, RetryPolicy.DEFAULT, Timeouts.DEFAULT,
                OutlierDetection.DISABLED, HealthCheck.DEFAULT, Duration.ZERO, List.of());
    }

    /** A plaintext balancer given as a shorthand: one route over {@code backends} that takes every call. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
            RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
            Duration slowStartWindow) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, List.of());
    }

    /** A plaintext balancer without hedging. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
            RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
            Duration slowStartWindow, List<Route> routes) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, routes, HedgingPolicy.DISABLED);
    }

    /**
     * A plaintext balancer (h2c on the listener and to the backends) with the default policy
     * tunables, connection lifecycle and keepalive.
     */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
            RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
            Duration slowStartWindow, List<Route> routes, HedgingPolicy hedging) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, routes, hedging, ListenerTls.PLAINTEXT, BackendTls.PLAINTEXT, LoadBalancingOptions.DEFAULT,
                ListenerLifecycle.DEFAULT, Keepalive.DEFAULT, false);
    }

    /** A balancer with {@code routes}, or the shorthand over {@code backends} when there are none; every setting given. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
            RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
            Duration slowStartWindow, List<Route> routes, HedgingPolicy hedging, ListenerTls listenerTls,
            BackendTls backendTls, LoadBalancingOptions loadBalancing, ListenerLifecycle listener, Keepalive keepalive) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, routes, hedging, listenerTls, backendTls, loadBalancing, listener, keepalive, false);
    }

    /** A balancer with {@code routes}, or the shorthand over {@code backends} when there are none. */
    public BalancerConfig(BalancerId id, long generation, int listenerPort, LoadBalancingPolicy policy, BackendSet backends,
            RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection, HealthCheck healthCheck,
            Duration slowStartWindow, List<Route> routes, HedgingPolicy hedging, ListenerTls listenerTls,
            BackendTls backendTls) {
        this(id, generation, listenerPort, policy, backends, retry, timeouts, outlierDetection, healthCheck,
                slowStartWindow, routes, hedging, listenerTls, backendTls, LoadBalancingOptions.DEFAULT,
                ListenerLifecycle.DEFAULT, Keepalive.DEFAULT, false);
    }

    /** The balancer-level settings, which routes of the shorthand run with and rules start from. */
    public RoutePolicy routePolicy() {
        return new RoutePolicy(policy, loadBalancing, retry, timeouts, outlierDetection, healthCheck, slowStartWindow,
                hedging);
    }

    /**
     * The routes the data plane runs: {@link #routes}, or for the shorthand one route named
     * {@value Route#DEFAULT_NAME} that takes every call to {@link #backends}.
     */
    public List<Route> effectiveRoutes() {
        if (routed) {
            return routes;
        }
        return List.of(new Route(Route.DEFAULT_NAME, List.of(),
                List.of(new RouteBackend(Route.DEFAULT_NAME, 1, backends)), routePolicy()));
    }

    /** Every endpoint of every route, each address once (the first seen wins). */
    public List<Endpoint> allEndpoints() {
        if (!routed) {
            return backends.endpoints(); // the one route's one backend, whose addresses are unique
        }
        Map<EndpointAddress, Endpoint> byAddress = new LinkedHashMap<>();
        for (Route route : effectiveRoutes()) {
            for (RouteBackend backend : route.backends()) {
                for (Endpoint endpoint : backend.endpoints().endpoints()) {
                    byAddress.putIfAbsent(endpoint.address(), endpoint);
                }
            }
        }
        return List.copyOf(byAddress.values());
    }

    /** Only {@code newRoutes} take calls (none: every call is answered UNIMPLEMENTED). */
    public BalancerConfig withRoutes(List<Route> newRoutes) {
        return new BalancerConfig(id, generation, listenerPort, policy, BackendSet.EMPTY, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, newRoutes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, true);
    }

    public BalancerConfig withBackends(BackendSet newBackends) {
        return new BalancerConfig(id, generation, listenerPort, policy, newBackends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withRetry(RetryPolicy newRetry) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, newRetry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withTimeouts(Timeouts newTimeouts) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, newTimeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withOutlierDetection(OutlierDetection newOutlierDetection) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                newOutlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withHealthCheck(HealthCheck newHealthCheck) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, newHealthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withSlowStartWindow(Duration window) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, window, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withHedging(HedgingPolicy newHedging) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, newHedging, listenerTls, backendTls,
                loadBalancing, listener, keepalive, routed);
    }

    public BalancerConfig withListenerTls(ListenerTls tls) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, tls, backendTls, loadBalancing, listener,
                keepalive, routed);
    }

    public BalancerConfig withBackendTls(BackendTls tls) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, tls, loadBalancing, listener,
                keepalive, routed);
    }

    public BalancerConfig withLoadBalancing(LoadBalancingOptions options) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls, options,
                listener, keepalive, routed);
    }

    public BalancerConfig withListener(ListenerLifecycle lifecycle) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, lifecycle, keepalive, routed);
    }

    public BalancerConfig withKeepalive(Keepalive newKeepalive) {
        return new BalancerConfig(id, generation, listenerPort, policy, backends, retry, timeouts,
                outlierDetection, healthCheck, slowStartWindow, routes, hedging, listenerTls, backendTls,
                loadBalancing, listener, newKeepalive, routed);
    }
}
