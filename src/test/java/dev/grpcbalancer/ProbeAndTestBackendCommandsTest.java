package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.demo.TestBackendServer;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.CliProcess;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code test-backend} and {@code probe}, the two commands the Kubernetes tests and the chart's
 * {@code helm test} hook run in pods: the backend as a real child process, the probe in this JVM
 * through the same command line {@link Main#main} runs.
 */
class ProbeAndTestBackendCommandsTest {

    private static final String HOST = "127.0.0.1";
    /** A child JVM starts in a few seconds, more on a busy machine. */
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int SIGTERM_EXIT = 143;

    @TempDir
    Path directory;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void probeWaitsForATestBackendProcessToServeThenCountsItsAnswersAndSigtermStopsTheBackend() {
        int port = FreePorts.freeLoopbackPort();
        CliProcess backend = CliProcess.start(directory, "backend", "test-backend", "--port", String.valueOf(port), "--id", "alpha");
        resources.add(backend);

        // started together with the backend: the first attempts find the port closed and are retried
        Run probe = execute("probe", "--target", HOST + ":" + port, "--timeout", STARTUP.toSeconds() + "s", "--calls", "20");

        assertThat(probe.exitCode()).as(probe + "\n" + backend.describe()).isZero();
        assertThat(probe.out()).contains("probe: " + HOST + ":" + port + " is SERVING (service \"\", attempt ")
                .contains("probe: 20 calls in ").contains(": 20 ok, 0 failed")
                .contains("probe: backend alpha answered 20");
        assertThat(probe.err()).isEmpty();

        backend.terminate();
        assertThat(backend.awaitExit(Duration.ofSeconds(20))).as(backend::describe).isTrue();
        assertThat(backend.exitCode()).as(backend::describe).isEqualTo(SIGTERM_EXIT);
        assertThat(backend.stdout()).contains("test-backend alpha serving demo.Greeter and grpc.health.v1.Health on port " + port)
                .contains("test-backend alpha stopped");
    }

    @Test
    void probeOfAClosedPortFailsWithExitCodeOneAndSaysWhyWithinTheTimeout() {
        int closed = FreePorts.freeLoopbackPort();

        Run probe = execute("probe", "--target", HOST + ":" + closed, "--timeout", "3s", "--calls", "5");

        assertThat(probe.exitCode()).as(probe.toString()).isEqualTo(1);
        assertThat(probe.out()).isEmpty();
        assertThat(probe.err().strip()).as(probe.toString())
                .startsWith("probe: FAILED: " + HOST + ":" + closed + " did not answer SERVING for service \"\" within 3.0 s (")
                .containsPattern("\\([23] attempts\\); last answer: UNAVAILABLE: .*Connection refused")
                .doesNotContain("\n");
        assertThat(probe.millis()).as("ms until the probe gave up").isBetween(2_000L, 4_500L);
    }

    @Test
    void probeCountsTheCallsEachBackendAnsweredThroughABalancer() {
        TestBackendServer a = backend("a");
        TestBackendServer b = backend("b");
        ProxyFixture proxy = ProxyFixture.start();
        resources.add(proxy);
        proxy.route(LoadBalancingPolicy.RoundRobin, ProxyFixture.endpoint(new InetSocketAddress(HOST, a.port())),
                ProxyFixture.endpoint(new InetSocketAddress(HOST, b.port())));

        Run probe = execute("probe", "--target", HOST + ":" + proxy.address().getPort(), "--calls", "100", "--concurrency", "4");

        assertThat(probe.exitCode()).as(probe.toString()).isZero();
        assertThat(probe.out()).contains(": 100 ok, 0 failed")
                .contains("probe: backend a answered 50\n")
                .contains("probe: backend b answered 50\n");
    }

    @Test
    void probeSendsCallsForADurationWhenAskedTo() {
        TestBackendServer a = backend("a");

        Run probe = execute("probe", "--target", HOST + ":" + a.port(), "--duration", "1s", "--concurrency", "2");

        assertThat(probe.exitCode()).as(probe.toString()).isZero();
        assertThat(probe.out()).containsPattern("probe: [1-9]\\d* calls in 1\\.\\d s: [1-9]\\d* ok, 0 failed")
                .containsPattern("probe: backend a answered [1-9]\\d*");
        assertThat(probe.millis()).isBetween(1_000L, 10_000L);
    }

    @Test
    void probeOfAServiceTheBackendDoesNotKnowFailsWithNotFound() {
        TestBackendServer a = backend("a");

        Run known = execute("probe", "--target", HOST + ":" + a.port(), "--service", "demo.Greeter", "--timeout", "5s");
        Run unknown = execute("probe", "--target", HOST + ":" + a.port(), "--service", "shop.Refunds", "--timeout", "1s");

        assertThat(known.exitCode()).as(known.toString()).isZero();
        assertThat(known.out()).contains("is SERVING (service \"demo.Greeter\", attempt 1)");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.err()).contains("did not answer SERVING for service \"shop.Refunds\" within 1.0 s (1 attempt);"
                + " last answer: NOT_FOUND: unknown service 'shop.Refunds'");
    }

    @Test
    void probeRejectsATargetWithoutPortAndCallsWithDurationAsUsageErrors() {
        Run noPort = execute("probe", "--target", "greeter");
        Run both = execute("probe", "--target", "greeter:8080", "--calls", "3", "--duration", "5s");
        Run bareV6 = execute("probe", "--target", "::1:8080");

        assertThat(noPort.exitCode()).isEqualTo(2);
        assertThat(noPort.err()).contains("--target must be HOST:PORT, got 'greeter'");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        assertThat(bareV6.exitCode()).isEqualTo(2);
        assertThat(bareV6.err()).contains("put an IPv6 address in brackets");
    }

    private TestBackendServer backend(String id) {
        TestBackendServer backend = TestBackendServer.start(new InetSocketAddress(HOST, 0), id);
        resources.add(backend);
        return backend;
    }

    /** Runs the command line in this JVM as {@link Main#main} would, without exiting. */
    static Run execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        long started = System.nanoTime();
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString(), (System.nanoTime() - started) / 1_000_000);
    }

    record Run(int exitCode, String out, String err, long millis) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + millis + " ms\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }
}
