package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One way a call matches a route, as GRPCRoute's {@code GRPCRouteMatch}: its method AND every
 * header match. Of several header matches with the same name only the first counts (GRPCRoute's
 * rule); the others are dropped here.
 */
public record RouteMatch(MethodMatch method, List<HeaderMatch> headers) {

    /** Matches every call. */
    public static final RouteMatch ALL = new RouteMatch(MethodMatch.ANY, List.of());

    public RouteMatch {
        requireNonNull(method, "method");
        List<HeaderMatch> distinct = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (HeaderMatch header : requireNonNull(headers, "headers")) {
            if (names.add(requireNonNull(header, "header").name())) {
                distinct.add(header);
            }
        }
        headers = List.copyOf(distinct);
    }

    public RouteMatch(MethodMatch method, HeaderMatch... headers) {
        this(method, List.of(headers));
    }

    @Override
    public String toString() {
        return headers.isEmpty() ? method.toString() : method + " " + headers;
    }
}
