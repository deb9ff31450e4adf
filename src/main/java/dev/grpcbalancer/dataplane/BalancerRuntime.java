package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.RetryBudget;
import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.dataplane.route.RouteTable;
import dev.grpcbalancer.dataplane.tls.ServerTls;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.EndpointCounts;
import dev.grpcbalancer.metrics.EndpointMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.CaBundle;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.TlsCertificate;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What a listener serves right now: one balancer's config with its routes compiled
 * ({@link RouteTable}), a {@link RouteRuntime} per route, and its TLS contexts (listener and
 * backends). Immutable (the load balancers', budgets' counters and the meters aside); each call
 * looks up its route once, at its HEADERS; each connection reads the listener's TLS once, when it
 * is accepted.
 */
final class BalancerRuntime {

    private final BalancerConfig config;
    private final BalancerMeters meters;
    private final Map<String, RouteRuntime> routes;
    private final RouteTable<RouteRuntime> table;
    private final RouteRuntime unmatched;
    private final ServerTls serverTls;
    private final UpstreamTls upstreamTls;

    private BalancerRuntime(BalancerConfig config, BalancerMeters meters, Map<String, RouteRuntime> routes,
            RouteTable<RouteRuntime> table, RouteRuntime unmatched, ServerTls serverTls, UpstreamTls upstreamTls) {
        this.config = config;
        this.meters = meters;
        this.routes = routes;
        this.table = table;
        this.unmatched = unmatched;
        this.serverTls = serverTls;
        this.upstreamTls = upstreamTls;
    }

    /**
     * Builds the runtime of {@code config}. Per route (by name) and backend (by name) the load
     * balancer of {@code previous} is carried over, so calls in flight, failures, ejections, health
     * and slow start go on; a route keeps its retry budget while the budget's settings are
     * unchanged. Time (ejections, slow start, latency estimates, the budget's reserve) comes from
     * {@code ticker}; zone-aware routing sees the endpoints from {@code local}, where this data plane
     * runs. The listener's TLS contexts are built by {@code tls} only when its TLS settings changed,
     * else carried over; backend TLS is {@code tls}'s canonical instance for the settings.
     */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters,
            Locality local, LongSupplier ticker, TlsContexts tls) {
        UpstreamTls upstreamTls = tls.upstream(config.backendTls());
        Map<String, RouteRuntime> routes = new LinkedHashMap<>();
        Map<String, Set<String>> backendNames = new HashMap<>();
        for (Route route : config.effectiveRoutes()) {
            RouteRuntime old = previous == null ? null : previous.routes.get(route.name());
            List<LoadBalancer> balancers = new ArrayList<>();
            List<EndpointMeters> endpointMeters = meters.perEndpoint() ? new ArrayList<>() : null;
            Set<String> names = new HashSet<>();
            for (RouteBackend backend : route.backends()) {
                balancers.add(LoadBalancer.create(route.policy(), backend.endpoints(), previousBalancer(old, backend.name()),
                        local, ticker));
                if (endpointMeters != null) {
                    endpointMeters.add(meters.endpoints(route.name(), backend.name()));
                }
                names.add(backend.name());
            }
            backendNames.put(route.name(), names);
            RetryBudget budget = old != null && sameBudget(old.retry(), route.policy().retry()) ? old.retryBudget()
                    : RetryBudget.of(route.policy().retry(), ticker);
            routes.put(route.name(), new RouteRuntime(config.id(), route, true, balancers, endpointMeters, budget,
                    meters.route(route.name()), upstreamTls, config.keepalive()));
        }
        meters.retain(routes.keySet(), backendNames);
        RouteTable<RouteRuntime> table = RouteTable.compile(config.effectiveRoutes(),
                (route, match) -> target(routes.get(route.name()), match, meters));
        Route none = new Route(BalancerMeters.UNMATCHED, List.of(), List.of(), config.routePolicy());
        RouteRuntime unmatched = new RouteRuntime(config.id(), none, false, List.of(), null,
                RetryBudget.of(none.policy().retry(), ticker), meters.route(BalancerMeters.UNMATCHED), upstreamTls,
                config.keepalive());
        boolean sameListenerTls = previous != null && previous.config.listenerTls().equals(config.listenerTls());
        ServerTls serverTls = sameListenerTls ? previous.serverTls
                : config.listenerTls().enabled() ? tls.server(config.id(), config.listenerTls(), meters.tlsHandshakes(),
                        previous == null ? null : previous.serverTls)
                : null;
        if (!sameListenerTls || !previous.config.backendTls().equals(config.backendTls())) {
            meters.certificateExpiries(expiries(config));
        }
        return new BalancerRuntime(config, meters, routes, table, unmatched, serverTls, upstreamTls);
    }

    /** Every certificate the balancer uses, for the expiry gauge. */
    private static List<BalancerMeters.CertificateExpiry> expiries(BalancerConfig config) {
        List<BalancerMeters.CertificateExpiry> expiries = new ArrayList<>();
        for (TlsCertificate certificate : config.listenerTls().certificates()) {
            expiries.add(expiry(certificate.source(), "serving", certificate.notAfter().getEpochSecond()));
        }
        for (CaBundle ca : config.listenerTls().clientValidation().trusted()) {
            expiries.add(expiry(ca.source(), "client-ca", ca.notAfter().getEpochSecond()));
        }
        for (CaBundle ca : config.backendTls().trusted()) {
            expiries.add(expiry(ca.source(), "backend-ca", ca.notAfter().getEpochSecond()));
        }
        TlsCertificate client = config.backendTls().clientCertificate();
        if (client != null) {
            expiries.add(expiry(client.source(), "backend-client", client.notAfter().getEpochSecond()));
        }
        return expiries;
    }

    private static BalancerMeters.CertificateExpiry expiry(String source, String use, long epochSeconds) {
        return new BalancerMeters.CertificateExpiry(source, use, epochSeconds);
    }

    private static boolean sameBudget(RetryPolicy a, RetryPolicy b) {
        return a.budgetPercent() == b.budgetPercent() && a.minRetriesPerSecond() == b.minRetriesPerSecond();
    }

    /** With method meters, a call an exact match took counts under that match's service and method. */
    private static RouteRuntime target(RouteRuntime route, RouteMatch match, BalancerMeters meters) {
        MethodMatch method = match.method();
        if (!meters.perMethod() || method.type() != MatchType.Exact || method.service().isEmpty()) {
            return route;
        }
        return route.withMeters(meters.route(route.name(), method.service(), method.method()));
    }

    private static LoadBalancer previousBalancer(RouteRuntime old, String backend) {
        if (old == null) {
            return null;
        }
        List<RouteBackend> backends = old.route().backends();
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).name().equals(backend)) {
                return old.balancers().get(i);
            }
        }
        return null;
    }

    /** The route that takes a call with these request headers; the unmatched stand-in when no rule does. */
    RouteRuntime route(Http2Headers headers) {
        RouteRuntime found = table.lookup(headers);
        return found != null ? found : unmatched;
    }

    BalancerConfig config() {
        return config;
    }

    BalancerMeters meters() {
        return meters;
    }

    /** The listener's TLS contexts, {@code null} for h2c. */
    ServerTls serverTls() {
        return serverTls;
    }

    /** How connections to the balancer's backends are secured. */
    UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    /** The routes, in the config's order. */
    List<RouteRuntime> routes() {
        return List.copyOf(routes.values());
    }

    /** The endpoints of route {@code route} now ({@link EndpointCounts#NONE} for a route it does not have). */
    EndpointCounts endpointCounts(String route) {
        RouteRuntime found = routes.get(route);
        return found == null ? EndpointCounts.NONE : found.endpointCounts();
    }

    /** The load balancer of backend {@code backend} of route {@code route}, or null. */
    LoadBalancer balancer(String route, String backend) {
        return previousBalancer(routes.get(route), backend);
    }
}
