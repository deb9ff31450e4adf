package dev.grpcbalancer.dataplane.route;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteMatch;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The matches of some routes compiled for lookup: which one takes a call, from its {@code :path}
 * ({@code /package.Service/Method}) and headers, hosts aside ({@link RouteTable} picks the routes
 * of a call's host first). Built once per snapshot, immutable, safe from any thread; a lookup of
 * exact matches allocates nothing.
 *
 * <p>Precedence follows GRPCRoute: of the matches that fit a call, the one with an exact service
 * and method wins over one with an exact service only, which wins over an exact method only, then
 * regular expressions, then matches that name no method; on a tie the match with more header
 * matches wins, then the earlier rule, then the earlier match within it. (GRPCRoute ranks by
 * characters of the matching service and method: for one call every exact match of a kind has
 * the same number; a regular expression's characters are not the service's, so it ranks below.)
 *
 * <p>A lookup finds the exact candidates with one hash lookup each (on {@code service/method},
 * {@code service} and {@code method}, all in the path itself, no substring made), each list
 * already in precedence order, and checks their headers; only then does it walk the list of
 * regular-expression and method-less matches. So 200 exact rules cost what one does.
 *
 * @param <T> what a match leads to: the route's runtime
 */
final class MatchTable<T> {

    /** The target of match {@code matchIndex} of route {@code routeIndex}. */
    @FunctionalInterface
    interface Targets<T> {
        T target(int routeIndex, int matchIndex);
    }

    private static final int EXACT_SERVICE_AND_METHOD = 4;
    private static final int EXACT_SERVICE = 3;
    private static final int EXACT_METHOD = 2;
    private static final int REGULAR_EXPRESSION = 1;
    private static final int ANY_METHOD = 0;

    private final NameIndex<Entry<T>[]> byServiceAndMethod;
    private final NameIndex<Entry<T>[]> byService;
    private final NameIndex<Entry<T>[]> byMethod;
    private final Entry<T>[] others;
    private final boolean anyExact;

    private MatchTable(NameIndex<Entry<T>[]> byServiceAndMethod, NameIndex<Entry<T>[]> byService,
            NameIndex<Entry<T>[]> byMethod, Entry<T>[] others) {
        this.byServiceAndMethod = byServiceAndMethod;
        this.byService = byService;
        this.byMethod = byMethod;
        this.others = others;
        this.anyExact = !byServiceAndMethod.isEmpty() || !byService.isEmpty() || !byMethod.isEmpty();
    }

    /**
     * Compiles the routes of {@code routes} at {@code indices} (ascending: the index breaks ties).
     * A route without matches takes every call.
     *
     * @throws IllegalArgumentException when a regular expression is not valid RE2 syntax
     */
    static <T> MatchTable<T> compile(List<Route> routes, List<Integer> indices, Targets<T> targets) {
        requireNonNull(routes, "routes");
        requireNonNull(targets, "targets");
        List<Entry<T>> entries = new ArrayList<>();
        for (int r : indices) {
            Route route = routes.get(r);
            List<RouteMatch> matches = route.matches().isEmpty() ? List.of(RouteMatch.ALL) : route.matches();
            for (int m = 0; m < matches.size(); m++) {
                entries.add(Entry.of(matches.get(m), r, m, targets.target(r, m)));
            }
        }
        entries.sort(Entry.PRECEDENCE);
        Map<String, List<Entry<T>>> serviceAndMethod = new LinkedHashMap<>();
        Map<String, List<Entry<T>>> service = new LinkedHashMap<>();
        Map<String, List<Entry<T>>> method = new LinkedHashMap<>();
        List<Entry<T>> others = new ArrayList<>();
        for (Entry<T> entry : entries) {
            MethodMatch match = entry.match.method();
            switch (entry.tier) {
                case EXACT_SERVICE_AND_METHOD -> serviceAndMethod
                        .computeIfAbsent(match.service() + "/" + match.method(), k -> new ArrayList<>()).add(entry);
                case EXACT_SERVICE -> service.computeIfAbsent(match.service(), k -> new ArrayList<>()).add(entry);
                case EXACT_METHOD -> method.computeIfAbsent(match.method(), k -> new ArrayList<>()).add(entry);
                default -> others.add(entry);
            }
        }
        return new MatchTable<>(index(serviceAndMethod), index(service), index(method), array(others));
    }

    /** The target of the match that takes a call with these request headers, or {@code null} when none does. */
    T lookup(Http2Headers headers) {
        CharSequence path = headers.path();
        int length = path == null ? 0 : path.length();
        if (length < 2 || path.charAt(0) != '/') {
            return firstMethodless(headers);
        }
        int slash = lastSlash(path, length);
        int serviceEnd = slash > 0 ? slash : length;
        int methodStart = slash > 0 ? slash + 1 : length;
        if (anyExact) {
            T found = first(byServiceAndMethod.get(path, 1, length), headers);
            if (found == null) {
                found = first(byService.get(path, 1, serviceEnd), headers);
            }
            if (found == null) {
                found = first(byMethod.get(path, methodStart, length), headers);
            }
            if (found != null) {
                return found;
            }
        }
        PathRegion service = null;
        PathRegion method = null;
        for (Entry<T> entry : others) {
            if (entry.tier == REGULAR_EXPRESSION) {
                if (service == null) {
                    service = new PathRegion(path, 1, serviceEnd);
                    method = new PathRegion(path, methodStart, length);
                }
                if (!entry.methodMatches(service, method)) {
                    continue;
                }
            }
            if (entry.headersMatch(headers)) {
                return entry.target;
            }
        }
        return null;
    }

    private T firstMethodless(Http2Headers headers) {
        for (Entry<T> entry : others) {
            if (entry.tier == ANY_METHOD && entry.headersMatch(headers)) {
                return entry.target;
            }
        }
        return null;
    }

    private static <T> T first(Entry<T>[] candidates, Http2Headers headers) {
        if (candidates != null) {
            for (Entry<T> entry : candidates) {
                if (entry.headersMatch(headers)) {
                    return entry.target;
                }
            }
        }
        return null;
    }

    private static int lastSlash(CharSequence path, int length) {
        for (int i = length - 1; i > 0; i--) {
            if (path.charAt(i) == '/') {
                return i;
            }
        }
        return 0;
    }

    private static <T> NameIndex<Entry<T>[]> index(Map<String, List<Entry<T>>> lists) {
        Map<String, Entry<T>[]> arrays = new LinkedHashMap<>();
        lists.forEach((key, list) -> arrays.put(key, array(list)));
        return new NameIndex<>(arrays);
    }

    @SuppressWarnings("unchecked")
    private static <T> Entry<T>[] array(List<Entry<T>> list) {
        return list.toArray(new Entry[0]);
    }

    /** One match of one route, compiled. */
    private static final class Entry<T> {

        static final Comparator<Entry<?>> PRECEDENCE = Comparator.<Entry<?>>comparingInt(e -> -e.tier)
                .thenComparingInt(e -> -e.headers.length)
                .thenComparingInt(e -> e.routeIndex)
                .thenComparingInt(e -> e.matchIndex);

        final RouteMatch match;
        final int tier;
        final int routeIndex;
        final int matchIndex;
        final T target;
        final Pattern servicePattern;
        final Pattern methodPattern;
        final HeaderCheck[] headers;

        private Entry(RouteMatch match, int tier, int routeIndex, int matchIndex, T target, Pattern servicePattern,
                Pattern methodPattern, HeaderCheck[] headers) {
            this.match = match;
            this.tier = tier;
            this.routeIndex = routeIndex;
            this.matchIndex = matchIndex;
            this.target = target;
            this.servicePattern = servicePattern;
            this.methodPattern = methodPattern;
            this.headers = headers;
        }

        static <T> Entry<T> of(RouteMatch match, int routeIndex, int matchIndex, T target) {
            MethodMatch method = match.method();
            int tier;
            Pattern service = null;
            Pattern name = null;
            if (method.isAny()) {
                tier = ANY_METHOD;
            } else if (method.type() == MatchType.RegularExpression) {
                tier = REGULAR_EXPRESSION;
                service = method.service().isEmpty() ? null : Pattern.compile(method.service());
                name = method.method().isEmpty() ? null : Pattern.compile(method.method());
            } else if (!method.service().isEmpty()) {
                tier = method.method().isEmpty() ? EXACT_SERVICE : EXACT_SERVICE_AND_METHOD;
            } else {
                tier = EXACT_METHOD;
            }
            HeaderCheck[] headers = match.headers().stream().map(HeaderCheck::new).toArray(HeaderCheck[]::new);
            return new Entry<>(match, tier, routeIndex, matchIndex, target, service, name, headers);
        }

        boolean methodMatches(CharSequence service, CharSequence method) {
            return (servicePattern == null || servicePattern.matcher(service).matches())
                    && (methodPattern == null || methodPattern.matcher(method).matches());
        }

        boolean headersMatch(Http2Headers request) {
            for (HeaderCheck header : headers) {
                if (!header.matches(request)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One header match, compiled: the name and value as {@link AsciiString}s, or the pattern. */
    private static final class HeaderCheck {

        final AsciiString name;
        final AsciiString value;
        final Pattern pattern;

        HeaderCheck(HeaderMatch match) {
            this.name = AsciiString.cached(match.name());
            this.value = match.type() == MatchType.Exact ? new AsciiString(match.value()) : null;
            this.pattern = match.type() == MatchType.RegularExpression ? Pattern.compile(match.value()) : null;
        }

        boolean matches(Http2Headers request) {
            if (value != null) {
                return request.contains(name, value, false);
            }
            Iterator<CharSequence> values = request.valueIterator(name);
            while (values.hasNext()) {
                if (pattern.matcher(values.next()).matches()) {
                    return true;
                }
            }
            return false;
        }
    }
}
