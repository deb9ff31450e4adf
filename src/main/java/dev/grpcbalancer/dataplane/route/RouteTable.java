package dev.grpcbalancer.dataplane.route;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteMatch;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of one balancer compiled for lookup: which route takes a call, from its
 * {@code :authority}, {@code :path} ({@code /package.Service/Method}) and headers. Built once per
 * snapshot, immutable, safe from any thread; a lookup of exact names and hosts allocates nothing.
 *
 * <p>Hosts first, as GRPCRoute ranks them: the routes that name the call's host exactly, then
 * those whose wildcard hostname matches it, the longest wildcard first, then the routes for any
 * host; the first of these groups with a match that takes the call wins (a call that no route of
 * its exact host takes may still go to a wildcard or any-host route). Within a group the
 * {@link MatchTable} precedence decides: method, then header matches, then rule order. A balancer
 * whose routes name no host (every {@code GrpcBalancer}) looks at the path and headers only.
 *
 * <p>The host is {@code :authority} without its port (and without a trailing dot), compared without
 * case; a wildcard {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com},
 * not {@code example.com}. An IP literal or a missing authority matches only any-host routes.
 *
 * @param <T> what a match leads to: the route's runtime
 */
public final class RouteTable<T> {

    /** What a call that {@code match} of {@code route} took is handed. */
    @FunctionalInterface
    public interface Targets<T> {
        T target(Route route, RouteMatch match);
    }

    private final MatchTable<T> anyHost;
    /** Exact hostnames to the routes that name them; null when no route names a host. */
    private final NameIndex<MatchTable<T>> exactHosts;
    /** Wildcard hostnames, keyed by their suffix with the dot ({@code .example.com}). */
    private final NameIndex<MatchTable<T>> wildcardHosts;

    private RouteTable(MatchTable<T> anyHost, NameIndex<MatchTable<T>> exactHosts,
            NameIndex<MatchTable<T>> wildcardHosts) {
        this.anyHost = anyHost;
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
    }

    /**
     * Compiles {@code routes} (in the order written: the order breaks ties). A route without
     * matches takes every call of its hosts; a route without hostnames takes calls for any host.
     * {@code targets} is asked once per route and match.
     *
     * @throws IllegalArgumentException when a regular expression is not valid RE2 syntax
     */
    public static <T> RouteTable<T> compile(List<Route> routes, Targets<T> targets) {
        requireNonNull(routes, "routes");
        requireNonNull(targets, "targets");
        Map<Long, T> made = new HashMap<>();
        MatchTable.Targets<T> once = (r, m) -> made.computeIfAbsent(((long) r << 32) | m, key -> {
            Route route = routes.get(r);
            RouteMatch match = route.matches().isEmpty() ? RouteMatch.ALL : route.matches().get(m);
            return targets.target(route, match);
        });
        List<Integer> anyHost = new ArrayList<>();
        Map<String, List<Integer>> exact = new LinkedHashMap<>();
        Map<String, List<Integer>> wildcard = new LinkedHashMap<>();
        for (int r = 0; r < routes.size(); r++) {
            List<String> hostnames = routes.get(r).hostnames();
            if (hostnames.isEmpty()) {
                anyHost.add(r);
            }
            for (String hostname : hostnames) {
                if (hostname.startsWith("*.")) {
                    wildcard.computeIfAbsent(hostname.substring(1), k -> new ArrayList<>()).add(r);
                } else {
                    exact.computeIfAbsent(hostname, k -> new ArrayList<>()).add(r);
                }
            }
        }
        MatchTable<T> any = MatchTable.compile(routes, anyHost, once);
        if (exact.isEmpty() && wildcard.isEmpty()) {
            return new RouteTable<>(any, null, null);
        }
        return new RouteTable<>(any, tables(routes, exact, once), tables(routes, wildcard, once));
    }

    private static <T> NameIndex<MatchTable<T>> tables(List<Route> routes, Map<String, List<Integer>> byHost,
            MatchTable.Targets<T> targets) {
        Map<String, MatchTable<T>> tables = new LinkedHashMap<>();
        byHost.forEach((host, indices) -> tables.put(host, MatchTable.compile(routes, indices, targets)));
        return new NameIndex<>(tables);
    }

    /** The target of the route that takes a call with these request headers, or {@code null} when none does. */
    public T lookup(Http2Headers headers) {
        if (exactHosts == null) {
            return anyHost.lookup(headers);
        }
        CharSequence authority = headers.authority();
        int end = hostEnd(authority);
        if (end > 0) {
            MatchTable<T> table = exactHosts.getIgnoringCase(authority, 0, end);
            T found = table == null ? null : table.lookup(headers);
            if (found != null) {
                return found;
            }
            // The longest wildcard first: the suffix after the first dot, then after the next one.
            for (int dot = indexOfDot(authority, 1, end); dot > 0; dot = indexOfDot(authority, dot + 1, end)) {
                table = wildcardHosts.getIgnoringCase(authority, dot, end);
                found = table == null ? null : table.lookup(headers);
                if (found != null) {
                    return found;
                }
            }
        }
        return anyHost.lookup(headers);
    }

    /** The end of the host in {@code authority} (before a port or a trailing dot); 0 for none or an IPv6 literal. */
    private static int hostEnd(CharSequence authority) {
        if (authority == null || authority.length() == 0 || authority.charAt(0) == '[') {
            return 0;
        }
        int end = authority.length();
        for (int i = 0; i < end; i++) {
            if (authority.charAt(i) == ':') {
                end = i;
                break;
            }
        }
        return end > 0 && authority.charAt(end - 1) == '.' ? end - 1 : end;
    }

    private static int indexOfDot(CharSequence text, int from, int end) {
        for (int i = from; i < end - 1; i++) {
            if (text.charAt(i) == '.') {
                return i;
            }
        }
        return -1;
    }
}
