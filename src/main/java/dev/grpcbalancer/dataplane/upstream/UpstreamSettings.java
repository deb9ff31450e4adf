package dev.grpcbalancer.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Settings of the connections to backends.
 *
 * @param connectTimeout TCP connect plus the backend's first SETTINGS frame
 * @param streamWindowBytes HTTP/2 stream receive window advertised to backends
 * @param connectionWindowBytes HTTP/2 connection receive window advertised to backends
 * @param maxConnectionsPerEndpoint per event loop; calls wait for a free stream beyond that
 * @param drainTimeout how long a removed endpoint's connections may keep streams open
 * @param maxHeaderListSize largest response header list accepted from a backend
 */
public record UpstreamSettings(
        Duration connectTimeout,
        int streamWindowBytes,
        int connectionWindowBytes,
        int maxConnectionsPerEndpoint,
        Duration drainTimeout,
        long maxHeaderListSize) {

    public UpstreamSettings {
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(drainTimeout, "drainTimeout");
        if (streamWindowBytes < 65_535 || connectionWindowBytes < 65_535) {
            throw new IllegalArgumentException("windows must be at least 65535 bytes");
        }
        if (maxConnectionsPerEndpoint < 1) {
            throw new IllegalArgumentException("maxConnectionsPerEndpoint must be positive");
        }
    }

    /**
     * Streams one connection carries at most: as many as can each hold a full stream window
     * within the connection window, so stalled streams cannot starve the others.
     */
    int streamsPerConnection() {
        return Math.max(1, connectionWindowBytes / streamWindowBytes);
    }
}
