package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.TlsCertificate;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.LogCapture;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import dev.grpcbalancer.testing.tls.TlsProbe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.OpenSsl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

/** Which TLS provider the data plane uses and says it uses, and a certificate the provider refuses. */
class TlsProviderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void startupLogSaysWhichProviderIsUsedAndJdkCanBeForced() {
        DataPlaneMeters meters = DataPlaneMeters.discarding();
        try (LogCapture log = LogCapture.of(TlsContexts.class)) {

            TlsContexts auto = new TlsContexts(TlsProvider.AUTO, meters.backendTlsHandshakes());
            TlsContexts jdk = new TlsContexts(TlsProvider.JDK, meters.backendTlsHandshakes());

            assertThat(auto.providerName()).isEqualTo(OpenSsl.isAvailable() ? "OPENSSL" : "JDK");
            assertThat(jdk.providerName()).isEqualTo("JDK");
            assertThat(log.lines(Level.INFO)).anyMatch(line -> line.contains(OpenSsl.isAvailable()
                    ? "TLS provider: OpenSSL (BoringSSL" : "OpenSSL is not available"));
            assertThat(log.lines(Level.INFO)).anyMatch(line -> line.contains("TLS provider: JDK")
                    && line.contains("forced by --tls-provider jdk"));
        }
    }

    @Test
    void openSslForcedWhereItCannotLoadStopsTheStart() {
        if (OpenSsl.isAvailable()) {
            assertThat(new TlsContexts(TlsProvider.OPENSSL, DataPlaneMeters.discarding().backendTlsHandshakes())
                    .providerName()).isEqualTo("OPENSSL");
        } else {
            assertThatThrownBy(() -> new TlsContexts(TlsProvider.OPENSSL,
                    DataPlaneMeters.discarding().backendTlsHandshakes()))
                    .hasMessageStartingWith("--tls-provider openssl, but OpenSSL cannot be loaded");
        }
    }

    @Test
    void certificateTheProviderRefusesIsLoggedAndHandshakesAreRefusedNotServedWithout() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestPki.Issued issued = TestPki.ca("provider-test-ca").server("greeter.example.com").issue();
        TlsCertificate valid = TlsConfigs.certificate("Secret test/greeter-tls", issued);
        TlsCertificate unloadable = new TlsCertificate(valid.source(), valid.certificateChainPem(),
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", valid.serverNames(), Instant.MAX);
        try (TestBackend backend = TestBackend.start("a", "127.0.0.2");
                LogCapture log = LogCapture.of(TlsContexts.class);
                ProxyFixture proxy = ProxyFixture.start(ProxyFixture.settings(), new DataPlaneMeters(registry, false))) {

            proxy.route(config -> config.withListenerTls(ListenerTls.of(List.of(unloadable),
                    ListenerTls.ClientValidation.NONE)), LoadBalancingPolicy.RoundRobin, List.of(endpoint(backend.address())));

            assertThat(log.awaitLine(Level.ERROR, "cannot load the listener's certificates", WAIT))
                    .contains("[" + ProxyFixture.BALANCER + "]");
            assertThatThrownBy(() -> TlsProbe.to(proxy.address()).handshake()).isInstanceOf(SSLException.class);
            Await.until(WAIT, () -> registry.get("grpcbalancer.tls.handshakes").tag("reason", "unavailable")
                    .counter().count() == 1, () -> "the refused handshake counted");
        }
    }
}
