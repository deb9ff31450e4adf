package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import dev.grpcbalancer.testing.tls.TlsProbe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A certificate rotated under continuous load: new connections get it, open ones and their calls go on. */
class TlsRotationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestPki.Ca CA = TestPki.ca("rotation-test-ca");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ProxyFixture proxy;
    private TestBackend a;
    private TestBackend b;

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void rotatedCertificateReachesNewConnectionsWithoutFailingACall(TlsProvider provider) throws Exception {
        TestPki.Issued before = CA.server("greeter.example.com").issue();
        TestPki.Issued after = CA.server("greeter.example.com").issue();
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        proxy = ProxyFixture.start(ProxyFixture.settings().withTlsProvider(provider), new DataPlaneMeters(registry, false));
        proxy.route(config -> config.withListenerTls(TlsConfigs.listener(before)), LoadBalancingPolicy.RoundRobin,
                List.of(endpoint(a.address()), endpoint(b.address())));

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), 4,
                client -> client.tls(GrpcTls.client(CA.certificate())).authority("greeter.example.com:443"))) {
            load.awaitSucceeded(200, WAIT);
            assertThat(TlsProbe.to(proxy.address()).sni("greeter.example.com").handshake().peer().getSerialNumber())
                    .isEqualTo(before.serial());

            proxy.dataPlane().publish(new RoutingSnapshot(List.of(config(after))));

            assertThat(TlsProbe.to(proxy.address()).sni("greeter.example.com").handshake().peer().getSerialNumber())
                    .isEqualTo(after.serial());
            load.awaitCallsStartedFromNow(WAIT);
            load.awaitSucceeded(load.succeeded() + 200, WAIT);
            assertThat(load.failures()).as(load.toString()).isEmpty();
            assertThat(load.failed()).isZero();
        }
        // the load's four connections were opened once, before the rotation, and kept: 4 + the 2 probes
        Await.until(WAIT, () -> handshakes() >= 6, () -> handshakes() + " handshakes");
        assertThat(handshakes()).isEqualTo(6);
    }

    private double handshakes() {
        return registry.get("grpcbalancer.tls.handshakes").tag("result", "ok").tag("version", "TLSv1.3").counter().count();
    }

    private BalancerConfig config(TestPki.Issued certificate) {
        return new BalancerConfig(ProxyFixture.BALANCER, 1, proxy.address().getPort(), LoadBalancingPolicy.RoundRobin,
                new BackendSet(List.of(endpoint(a.address()), endpoint(b.address()))))
                .withListenerTls(TlsConfigs.listener(certificate));
    }
}
