package dev.grpcbalancer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.demo.Probe;
import dev.grpcbalancer.demo.TestBackendServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ProbeReport} reads what the real probe prints (the contract between the probe and the e2e suite). */
class ProbeReportTest {

    @Test
    void readsTheCallsAndTheBackendsOfARealProbeRun() throws Exception {
        StringWriter log = new StringWriter();
        try (TestBackendServer backend = TestBackendServer.start(new InetSocketAddress("127.0.0.1", 0), "greeter-7d9f-x2k4q")) {
            int exit = new Probe(new Probe.Options("127.0.0.1", backend.port(), "", Duration.ofSeconds(10), 12, Duration.ZERO, 3),
                    new PrintWriter(log), new PrintWriter(log)).run();
            assertThat(exit).isEqualTo(Probe.OK);
        }

        ProbeReport report = ProbeReport.parse(log.toString());

        assertThat(report).isEqualTo(new ProbeReport(12, 0, Map.of("greeter-7d9f-x2k4q", 12L)));
    }

    @Test
    void readsFailedCallsAndRefusesALogWithoutASummary() {
        ProbeReport failed = ProbeReport.parse("""
                probe: gbal-e2e-greeter.e2e.svc.cluster.local:8080 is SERVING (service "", attempt 2)
                probe: 500 calls in 12.3 s: 498 ok, 2 failed
                probe: backend a answered 300
                probe: backend b answered 198
                probe: FAILED: 2 of 500 calls failed {UNAVAILABLE=2}; first: UNAVAILABLE: no ready endpoint
                """);

        assertThat(failed).isEqualTo(new ProbeReport(498, 2, Map.of("a", 300L, "b", 198L)));
        assertThatThrownBy(() -> ProbeReport.parse("probe: FAILED: x did not answer SERVING"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no call summary");
    }
}
