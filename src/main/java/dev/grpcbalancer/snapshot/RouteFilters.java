package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * What a route does to its calls besides choosing a backend: GRPCRoute's core filters
 * {@code RequestHeaderModifier} (applied to the request headers before they go to the backend)
 * and {@code ResponseHeaderModifier} (applied to the response headers before they go to the
 * client; trailers are left alone).
 */
public record RouteFilters(HeaderModifier request, HeaderModifier response) {

    /** No filter. */
    public static final RouteFilters NONE = new RouteFilters(HeaderModifier.NONE, HeaderModifier.NONE);

    public RouteFilters {
        requireNonNull(request, "request");
        requireNonNull(response, "response");
    }

    public boolean isEmpty() {
        return request.isEmpty() && response.isEmpty();
    }
}
