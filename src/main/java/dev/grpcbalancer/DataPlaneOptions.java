package dev.grpcbalancer;

import dev.grpcbalancer.dataplane.DataPlaneSettings;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Data plane and admin options shared by the commands that run balancers. */
final class DataPlaneOptions {

    @Option(names = "--admin-port", defaultValue = "9901",
            description = "Admin HTTP port: /healthz, /readyz, /metrics (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--admin-address", defaultValue = "0.0.0.0",
            description = "Address the admin port binds to (default: ${DEFAULT-VALUE}).")
    String adminAddress;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0",
            description = "Address the balancers' listeners bind to (default: ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(names = "--drain-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long calls in flight may finish on shutdown, on a closed listener or a"
                    + " removed endpoint (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--drain-delay", defaultValue = "0s", converter = DurationConverter.class,
            description = "On shutdown, how long readiness fails before listeners close, so that load"
                    + " balancers and endpoint lists stop sending new connections (default: ${DEFAULT-VALUE}).")
    Duration drainDelay;

    @Option(names = "--max-concurrent-streams", defaultValue = "1000",
            description = "Calls one client connection may have open at once (default: ${DEFAULT-VALUE}).")
    int maxConcurrentStreams;

    @Option(names = "--access-log",
            description = "Log one line per call (balancer, method, endpoint, grpc-status, duration, bytes, attempts, route)"
                    + " on logger dev.grpcbalancer.access (default: off).")
    boolean accessLog;

    @Option(names = "--endpoint-metrics",
            description = "Also export per-endpoint meters labelled with endpoint addresses (default: off: pod IPs"
                    + " as labels make many series).")
    boolean endpointMetrics;

    @Option(names = "--tls-provider", defaultValue = "auto", paramLabel = "auto|openssl|jdk",
            converter = TlsProviderConverter.class,
            description = "TLS implementation: auto (OpenSSL where its native library loads, else the JDK's), openssl"
                    + " (fail at start without it) or jdk (default: ${DEFAULT-VALUE}).")
    TlsProvider tlsProvider;
    @Option(names = "--method-metrics",
            description = "Also label call meters with grpc_service and grpc_method for the methods that exact rule"
                    + " matches name (a set the configuration bounds; other calls have them empty; default: off).")
    boolean methodMetrics;

    @Option(names = "--io-threads", defaultValue = "0",
            description = "Event loop threads; 0 means two per core (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    /** {@code auto}, {@code openssl}, {@code jdk}, in any case. */
    static final class TlsProviderConverter implements CommandLine.ITypeConverter<TlsProvider> {
        @Override
        public TlsProvider convert(String value) {
            try {
                return TlsProvider.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected auto, openssl or jdk, got '" + value + "'");
            }
        }
    }

    DataPlaneSettings settings() {
        return DataPlaneSettings.defaults()
                .withBindAddress(bindAddress)
                .withDrainTimeout(drainTimeout)
                .withMaxConcurrentStreams(maxConcurrentStreams)
                .withIoThreads(ioThreads)
                .withTlsProvider(tlsProvider);
    }
}
