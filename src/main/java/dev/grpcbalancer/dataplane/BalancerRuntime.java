package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.RetryBudget;
import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.dataplane.route.RouteTable;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.EndpointMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
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
 * ({@link RouteTable}) and a {@link RouteRuntime} per route. Immutable (the load balancers',
 * budgets' counters and the meters aside); each call looks up its route once, at its HEADERS.
 */
final class BalancerRuntime {

    private final BalancerConfig config;
    private final BalancerMeters meters;
    private final Map<String, RouteRuntime> routes;
    private final RouteTable<RouteRuntime> table;
    private final RouteRuntime unmatched;

    private BalancerRuntime(BalancerConfig config, BalancerMeters meters, Map<String, RouteRuntime> routes,
            RouteTable<RouteRuntime> table, RouteRuntime unmatched) {
        this.config = config;
        this.meters = meters;
        this.routes = routes;
        this.table = table;
        this.unmatched = unmatched;
    }

    /**
     * Builds the runtime of {@code config}. Per route (by name) and backend (by name) the load
     * balancer of {@code previous} is carried over, so calls in flight, failures, ejections, health
     * and slow start go on; a route keeps its retry budget while the budget's settings are
     * unchanged. Time (ejections, slow start, the budget's reserve) comes from {@code ticker}.
     */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters,
            LongSupplier ticker) {
        Map<String, RouteRuntime> routes = new LinkedHashMap<>();
        Map<String, Set<String>> backendNames = new HashMap<>();
        for (Route route : config.effectiveRoutes()) {
            RouteRuntime old = previous == null ? null : previous.routes.get(route.name());
            List<LoadBalancer> balancers = new ArrayList<>();
            List<EndpointMeters> endpointMeters = meters.perEndpoint() ? new ArrayList<>() : null;
            Set<String> names = new HashSet<>();
            for (RouteBackend backend : route.backends()) {
                balancers.add(LoadBalancer.create(route.policy(), backend.endpoints(), previousBalancer(old, backend.name()),
                        ticker));
                if (endpointMeters != null) {
                    endpointMeters.add(meters.endpoints(route.name(), backend.name()));
                }
                names.add(backend.name());
            }
            backendNames.put(route.name(), names);
            RetryBudget budget = old != null && sameBudget(old.retry(), route.policy().retry()) ? old.retryBudget()
                    : RetryBudget.of(route.policy().retry(), ticker);
            routes.put(route.name(), new RouteRuntime(config.id(), route, true, balancers, endpointMeters, budget,
                    meters.route(route.name())));
        }
        meters.retain(routes.keySet(), backendNames);
        RouteTable<RouteRuntime> table = RouteTable.compile(config.effectiveRoutes(),
                (route, match) -> target(routes.get(route.name()), match, meters));
        Route none = new Route(BalancerMeters.UNMATCHED, List.of(), List.of(), config.routePolicy());
        RouteRuntime unmatched = new RouteRuntime(config.id(), none, false, List.of(), null,
                RetryBudget.of(none.policy().retry(), ticker), meters.route(BalancerMeters.UNMATCHED));
        return new BalancerRuntime(config, meters, routes, table, unmatched);
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

    /** The routes, in the config's order. */
    List<RouteRuntime> routes() {
        return List.copyOf(routes.values());
    }

    /** The load balancer of backend {@code backend} of route {@code route}, or null. */
    LoadBalancer balancer(String route, String backend) {
        return previousBalancer(routes.get(route), backend);
    }
}
