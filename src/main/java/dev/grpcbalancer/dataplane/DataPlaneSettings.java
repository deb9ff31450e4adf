package dev.grpcbalancer.dataplane;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.dataplane.upstream.UpstreamSettings;
import java.time.Duration;

/**
 * Tunables of the data plane. {@link #defaults()} are what the CLI uses unless told otherwise.
 *
 * @param bindAddress address the listeners bind to ({@code 0.0.0.0} for all IPv4, {@code ::} for all)
 * @param ioThreads event loops; 0 means two per core
 * @param drainTimeout how long in-flight calls may run on after shutdown starts, a listener
 *     closes, or an endpoint is removed
 * @param connectTimeout connecting to a backend, including its first SETTINGS frame, for balancers
 *     that set no {@code spec.timeouts.connect}
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client connection
 * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE, both directions
 * @param streamWindowBytes HTTP/2 stream receive window, both directions
 * @param connectionWindowBytes HTTP/2 connection receive window, both directions
 * @param maxResetsPerWindow rapid-reset protection: RST_STREAM frames a client may send per
 *     {@code resetWindow} before the connection is closed with ENHANCE_YOUR_CALM
 * @param maxConnectionsPerEndpoint upstream connections per event loop and endpoint
 * @param tlsProvider the TLS implementation of listeners and backend connections
 */
public record DataPlaneSettings(
        String bindAddress,
        int ioThreads,
        Duration drainTimeout,
        Duration connectTimeout,
        int maxConcurrentStreams,
        long maxHeaderListSize,
        int streamWindowBytes,
        int connectionWindowBytes,
        int maxResetsPerWindow,
        Duration resetWindow,
        int maxConnectionsPerEndpoint,
        TlsProvider tlsProvider) {

    public DataPlaneSettings {
        requireNonNull(tlsProvider, "tlsProvider");
        requireNonNull(bindAddress, "bindAddress");
        requireNonNull(drainTimeout, "drainTimeout");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(resetWindow, "resetWindow");
        if (ioThreads < 0 || maxConcurrentStreams < 1 || maxHeaderListSize < 1024 || maxResetsPerWindow < 1 || resetWindow.toSeconds() < 1) {
            throw new IllegalArgumentException("invalid data plane settings: " + this);
        }
    }

    public static DataPlaneSettings defaults() {
        return new DataPlaneSettings("0.0.0.0", 0, Duration.ofSeconds(30), Duration.ofSeconds(5),
                1000, 16 * 1024, 1024 * 1024, 16 * 1024 * 1024, 400, Duration.ofSeconds(30), 64, TlsProvider.AUTO);
    }

    public DataPlaneSettings withBindAddress(String address) {
        return new DataPlaneSettings(address, ioThreads, drainTimeout, connectTimeout, maxConcurrentStreams,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, tlsProvider);
    }

    public DataPlaneSettings withDrainTimeout(Duration timeout) {
        return new DataPlaneSettings(bindAddress, ioThreads, timeout, connectTimeout, maxConcurrentStreams,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, tlsProvider);
    }

    public DataPlaneSettings withConnectTimeout(Duration timeout) {
        return new DataPlaneSettings(bindAddress, ioThreads, drainTimeout, timeout, maxConcurrentStreams,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, tlsProvider);
    }

    public DataPlaneSettings withMaxConcurrentStreams(int max) {
        return new DataPlaneSettings(bindAddress, ioThreads, drainTimeout, connectTimeout, max,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, tlsProvider);
    }

    public DataPlaneSettings withIoThreads(int threads) {
        return new DataPlaneSettings(bindAddress, threads, drainTimeout, connectTimeout, maxConcurrentStreams,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, tlsProvider);
    }

    public DataPlaneSettings withTlsProvider(TlsProvider provider) {
        return new DataPlaneSettings(bindAddress, ioThreads, drainTimeout, connectTimeout, maxConcurrentStreams,
                maxHeaderListSize, streamWindowBytes, connectionWindowBytes, maxResetsPerWindow,
                resetWindow, maxConnectionsPerEndpoint, provider);
    }

    UpstreamSettings upstream() {
        return new UpstreamSettings(connectTimeout, streamWindowBytes, connectionWindowBytes,
                maxConnectionsPerEndpoint, drainTimeout, maxHeaderListSize);
    }
}
