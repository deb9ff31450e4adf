package dev.grpcbalancer;

import dev.grpcbalancer.demo.TestBackendServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code test-backend}: a gRPC backend that answers with its id, for Kubernetes tests and demos. */
@Command(name = "test-backend", mixinStandardHelpOptions = true,
        description = "Serve demo.Greeter/SayHello (answers with this backend's id) and grpc.health.v1.Health/Check"
                + " on plaintext HTTP/2. On SIGTERM health turns NOT_SERVING, new calls are refused and calls in"
                + " flight finish (up to --drain-timeout).")
final class TestBackendCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TestBackendCommand.class);

    @Option(names = "--port", defaultValue = "50051", paramLabel = "PORT", description = "Port to serve on, all addresses (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--id", paramLabel = "NAME",
            description = "What SayHello answers (default: env HOSTNAME, which is the pod name in Kubernetes, else the host name).")
    String id;

    @Option(names = "--drain-timeout", defaultValue = "20s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long calls in flight may finish after SIGTERM (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Override
    public Integer call() throws InterruptedException {
        String name = id != null ? id : defaultId();
        TestBackendServer server = TestBackendServer.start(new InetSocketAddress(port), name);
        log.info("test-backend {} serving demo.Greeter and grpc.health.v1.Health on port {}", name, server.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("test-backend {} stopping: health NOT_SERVING, calls in flight finish", name);
            try {
                server.stop(drainTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("test-backend {} stopped", name);
        }, "test-backend-shutdown"));
        server.awaitTermination();
        return 0;
    }

    private static String defaultId() {
        String hostname = System.getenv("HOSTNAME");
        if (hostname != null && !hostname.isBlank()) {
            return hostname;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "test-backend";
        }
    }
}
