package dev.grpcbalancer.metrics;

/**
 * A route's endpoints at one moment, summed over its backends: by the state the snapshot gives
 * them ({@code ready}, {@code draining}) and by what the data plane knows of them now.
 *
 * @param ready endpoints that take new calls (the snapshot's READY)
 * @param draining endpoints that only finish their calls (terminating but serving)
 * @param available ready endpoints that neither outlier detection ejected nor health checks failed
 * @param ejected endpoints outlier detection has ejected now
 * @param unhealthy endpoints whose active health check fails now
 */
public record EndpointCounts(int ready, int draining, int available, int ejected, int unhealthy) {

    /** A route the data plane does not run (any more). */
    public static final EndpointCounts NONE = new EndpointCounts(0, 0, 0, 0, 0);
}
