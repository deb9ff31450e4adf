package dev.grpcbalancer;

import static dev.grpcbalancer.testing.FreePorts.accepting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.testing.AdminHttp;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.CliProcess;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The grpc-balancer command as an operator runs it: a child JVM started from the command line,
 * probed over its admin port, serving real gRPC calls, and stopped with SIGTERM the way
 * Kubernetes stops a pod.
 */
class ProcessLifecycleTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /** A child JVM starts in a few seconds, more on a busy machine. */
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(20);
    /**
     * Exit status of a JVM stopped by SIGTERM whose shutdown hook ran to the end: 128 + 15. The
     * main thread's {@code System.exit(0)} comes while the hooks are running and blocks, so the
     * signal's status wins.
     */
    private static final int SIGTERM_EXIT = 143;

    @TempDir
    Path directory;

    private final List<CliProcess> processes = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        processes.forEach(CliProcess::close);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void sigtermLetsTheCallInFlightFinishAndTheProcessExitsWithinTheDrainTimeout() throws Exception {
        TestBackend a = backend("a", "127.0.0.2");
        TestBackend b = backend("b", "127.0.0.3");
        int port = FreePorts.freeLoopbackPort();
        int adminPort = FreePorts.freeLoopbackPort();
        Path config = Files.writeString(directory.resolve("balancers.yaml"), """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata:
                  name: echo
                spec:
                  listener:
                    port: %d
                  staticEndpoints: ["127.0.0.2:%d", "127.0.0.3:%d"]
                """.formatted(port, a.port(), b.port()));
        CliProcess cli = start("run", "run", "--config", config.toString(), "--admin-port", String.valueOf(adminPort),
                "--admin-address", HOST, "--bind-address", HOST, "--drain-timeout", DRAIN_TIMEOUT.toSeconds() + "s");
        Await.until(STARTUP, () -> AdminHttp.readyz(adminPort) == 200 || !cli.isAlive(), () -> "/readyz 200\n" + cli.describe());
        assertThat(cli.isAlive()).as(cli::describe).isTrue();

        TestClient client = TestClient.builder(new InetSocketAddress(HOST, port)).disableRetry().build();
        resources.add(client);
        Map<String, Long> byBackend = new TreeMap<>();
        for (int i = 0; i < 10; i++) {
            CallResult result = client.unary(TestService.utf8("hi"), RequestHeaders.none(), WAIT);
            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            byBackend.merge(result.backendId(), 1L, Long::sum);
        }
        assertThat(byBackend).isEqualTo(Map.of("a", 5L, "b", 5L));

        TestCall inFlight = client.startUnary(TestService.utf8("last"),
                RequestHeaders.create().delay(Duration.ofSeconds(2)).build(), WAIT);
        Await.until(WAIT, () -> a.stats().inFlight() + b.stats().inFlight() == 1, () -> "the call at a backend");
        long terminated = System.nanoTime();
        cli.terminate();

        Await.until(WAIT, () -> AdminHttp.readyz(adminPort) == 503, () -> "/readyz 503 while draining\n" + cli.describe());
        Await.until(WAIT, () -> !accepting(HOST, port), () -> "the balancer's port to close");
        CallResult last = inFlight.await(WAIT);
        boolean exited = cli.awaitExit(DRAIN_TIMEOUT.plusSeconds(10));
        long exitMillis = (System.nanoTime() - terminated) / 1_000_000;

        assertThat(last.code()).as(last.toString()).isEqualTo(Status.Code.OK);
        assertThat(last.bodyUtf8()).isEqualTo("last");
        assertThat(exited).as(cli::describe).isTrue();
        assertThat(cli.exitCode()).as(cli::describe).isEqualTo(SIGTERM_EXIT);
        assertThat(exitMillis).as("ms from SIGTERM to exit").isLessThan(DRAIN_TIMEOUT.toMillis());
        assertThat(cli.stdout()).contains("shutting down: GOAWAY to clients", "data plane stopped");
        System.out.println("SIGTERM with a 2 s call in flight: exit code " + cli.exitCode() + " after " + exitMillis + " ms");
    }

    @Test
    void drainDelayFailsReadinessWhileTheListenerStillTakesNewCalls() throws Exception {
        TestBackend a = backend("a", "127.0.0.2");
        int port = FreePorts.freeLoopbackPort();
        int adminPort = FreePorts.freeLoopbackPort();
        Path config = Files.writeString(directory.resolve("balancers.yaml"), """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata: {name: echo}
                spec:
                  listener: {port: %d}
                  staticEndpoints: ["127.0.0.2:%d"]
                """.formatted(port, a.port()));
        CliProcess cli = start("run-delay", "run", "--config", config.toString(), "--admin-port",
                String.valueOf(adminPort), "--admin-address", HOST, "--bind-address", HOST, "--drain-delay", "3s");
        Await.until(STARTUP, () -> AdminHttp.readyz(adminPort) == 200 || !cli.isAlive(), () -> "/readyz 200\n" + cli.describe());

        cli.terminate();
        Await.until(WAIT, () -> AdminHttp.readyz(adminPort) == 503, () -> "/readyz 503 during the drain delay\n" + cli.describe());
        TestClient client = TestClient.builder(new InetSocketAddress(HOST, port)).disableRetry().build();
        resources.add(client);
        CallResult during = client.unary(TestService.utf8("still here"), RequestHeaders.none(), WAIT);

        assertThat(during.code()).as("a new connection and call during the drain delay").isEqualTo(Status.Code.OK);
        assertThat(cli.awaitExit(WAIT)).as(cli::describe).isTrue();
        assertThat(cli.stdout()).contains("/readyz fails now, listeners close in 3000 ms");
    }

    @Test
    void brokenConfigurationExitsNonZeroNamingFileDocumentAndField() throws Exception {
        Path config = Files.writeString(directory.resolve("broken.yaml"), """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata:
                  name: fine
                spec:
                  listener:
                    port: 8080
                  staticEndpoints: ["127.0.0.2:50051"]
                ---
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata:
                  name: broken
                spec:
                  listener:
                    port: 70000
                  staticEndpoints: ["127.0.0.2:50051"]
                """);
        long started = System.nanoTime();
        CliProcess cli = start("broken", "run", "--config", config.toString(), "--admin-port",
                String.valueOf(FreePorts.freeLoopbackPort()), "--admin-address", HOST, "--bind-address", HOST);

        assertThat(cli.awaitExit(STARTUP)).as(cli::describe).isTrue();
        long exitMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(cli.exitCode()).as(cli::describe).isEqualTo(2);
        assertThat(cli.stderr()).as(cli::describe)
                .contains("grpc-balancer: " + config + " is not a valid configuration:")
                .contains(config + ": document 2 (default/broken): spec.listener.port: must be 1..65535, got 70000");
        System.out.println("run with a broken file exited with " + cli.exitCode() + " after " + exitMillis + " ms");
    }

    @Test
    void helpVersionAndUsageErrorsAnswerWithoutStartingAnything() {
        CliProcess help = start("help", "--help");
        CliProcess runHelp = start("run-help", "run", "--help");
        CliProcess version = start("version", "--version");
        CliProcess noCommand = start("no-command");
        for (CliProcess cli : List.of(help, runHelp, version, noCommand)) {
            assertThat(cli.awaitExit(STARTUP)).as(cli::describe).isTrue();
        }

        assertThat(help.exitCode()).as(help::describe).isZero();
        assertThat(help.stdout()).contains("Usage: grpc-balancer", "run", "demo");
        assertThat(runHelp.exitCode()).as(runHelp::describe).isZero();
        assertThat(runHelp.stdout()).contains("Usage: grpc-balancer run", "--config", "--drain-timeout", "--admin-port");
        assertThat(version.exitCode()).as(version::describe).isZero();
        assertThat(version.stdout()).startsWith("grpc-balancer ").contains("Java ");
        assertThat(noCommand.exitCode()).as(noCommand::describe).isEqualTo(2);
        assertThat(noCommand.stderr()).contains("a command is required");
    }

    private CliProcess start(String name, String... args) {
        CliProcess cli = CliProcess.start(directory, name, args);
        processes.add(cli);
        return cli;
    }

    private TestBackend backend(String id, String host) {
        TestBackend backend = TestBackend.start(id, host);
        resources.add(backend);
        return backend;
    }
}
