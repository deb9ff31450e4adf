package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.Behavior;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS from the balancer to grpc-java backends that serve TLS: the backend's certificate must chain
 * to the balancer's CA and be for its hostname, else the attempt is a connect failure, retried on
 * another endpoint, and the call's UNAVAILABLE says it was TLS verification; mutual TLS; health
 * checks and outlier detection over TLS; connections are not shared across TLS settings.
 */
class BackendTlsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HOSTNAME = "greeter.shop.svc";
    private static final TestPki.Ca CA = TestPki.ca("backend-test-ca");
    private static final TestPki.Ca BALANCER_CA = TestPki.ca("balancer-client-ca");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyFixture proxy;
    private TestClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        backends.forEach(TestBackend::close);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void callsReachBackendsOverVerifiedTls(TlsProvider provider) {
        TestBackend a = backend("a", "127.0.0.2", CA.server(HOSTNAME).issue(), null);
        route(provider, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null)), a);

        CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);
        CallResult stream = client.serverStream(50, 10_000, RequestHeaders.none(), DEADLINE);

        assertThat(result.isOk()).as(result.toString()).isTrue();
        assertThat(stream.messageCount()).as(stream.toString()).isEqualTo(50);
        Await.until(WAIT, () -> backendHandshakes("ok", "none", "TLSv1.3") >= 1, () -> "a backend handshake");
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void certificateForAnotherNameFailsVerificationAndTheCallSaysSo(TlsProvider provider) {
        TestBackend a = backend("a", "127.0.0.2", CA.server("other.shop.svc").issue(), null);
        route(provider, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null)), a);

        CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(result.description()).contains("TLS verification of backend").contains("as " + HOSTNAME + " failed");
        assertThat(a.stats().callsStarted()).isZero();
        assertThat(backendHandshakes("failed", "certificate", "none")).isGreaterThanOrEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void certificateOfAnUntrustedCaFailsVerification(TlsProvider provider) {
        TestBackend a = backend("a", "127.0.0.2", TestPki.ca("rogue").server(HOSTNAME).issue(), null);
        route(provider, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null)), a);

        CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(result.description()).contains("TLS verification of backend");
    }

    @Test
    void backendFailingVerificationIsSkippedAndEveryCallSucceedsOnTheOthers() {
        TestBackend bad = backend("bad", "127.0.0.2", CA.server("wrong.shop.svc").issue(), null);
        TestBackend b = backend("b", "127.0.0.3", CA.server(HOSTNAME).issue(), null);
        TestBackend c = backend("c", "127.0.0.4", CA.server(HOSTNAME).issue(), null);
        route(TlsProvider.AUTO, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null)), bad, b, c);

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy.address(), 4)) {
            load.awaitSucceeded(300, WAIT);

            assertThat(load.failures()).as(load.toString()).isEmpty();
            assertThat(load.callsTo("bad")).isZero();
            assertThat(load.callsTo("b")).isPositive();
            assertThat(load.callsTo("c")).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void backendRequiringAClientCertificateAcceptsTheBalancersOne(TlsProvider provider) {
        TestBackend a = backend("a", "127.0.0.2", CA.server(HOSTNAME).issue(), BALANCER_CA);
        route(provider, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME,
                BALANCER_CA.client("balancer").issue())), a);

        CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

        assertThat(result.isOk()).as(result.toString()).isTrue();
    }

    @Test
    void backendRequiringAClientCertificateRefusesABalancerWithout() {
        TestBackend a = backend("a", "127.0.0.2", CA.server(HOSTNAME).issue(), BALANCER_CA);
        route(TlsProvider.AUTO, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null)), a);

        CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(result.description()).contains("backend ").contains("ended the TLS session");
    }

    @Test
    void balancersWithTheSameEndpointButOtherTlsSettingsNeverShareAConnection() {
        TestBackend a = backend("a", "127.0.0.2", CA.server(HOSTNAME).issue(), null);
        proxy = ProxyFixture.start();
        int wrongPort = FreePorts.freeLoopbackPort();
        BalancerConfig right = new BalancerConfig(ProxyFixture.BALANCER, 1, proxy.address().getPort(),
                LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(endpoint(a.address()))))
                .withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null));
        BalancerConfig wrong = new BalancerConfig(new BalancerId("default", "wrong"), 1, wrongPort,
                LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(endpoint(a.address()))))
                .withBackendTls(TlsConfigs.backend(CA, "wrong.shop.svc", null));
        proxy.dataPlane().publish(new RoutingSnapshot(List.of(right, wrong)));
        Await.until(WAIT, proxy.dataPlane()::isReady, () -> "both listeners bound");
        client = TestClient.builder(proxy.address()).disableRetry().build();

        try (TestClient wrongClient = TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, wrongPort))
                .disableRetry().build()) {
            for (int i = 0; i < 20; i++) {
                assertThat(client.unary(utf8("right"), RequestHeaders.none(), DEADLINE).isOk()).isTrue();
                CallResult refused = wrongClient.unary(utf8("wrong"), RequestHeaders.none(), DEADLINE);
                assertThat(refused.code()).as(refused.toString()).isEqualTo(Status.Code.UNAVAILABLE);
            }
        }
        assertThat(a.stats().callsStarted()).isEqualTo(20);
    }

    @Test
    void activeHealthChecksRunOverTls() {
        TestBackend a = backend("a", "127.0.0.2", CA.server(HOSTNAME).issue(), null);
        TestBackend b = backend("b", "127.0.0.3", CA.server(HOSTNAME).issue(), null);
        HealthCheck check = new HealthCheck(true, "test.Echo", Duration.ofMillis(200), Duration.ofMillis(500), 1, 2, 0);
        route(TlsProvider.AUTO, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null))
                .withHealthCheck(check), a, b);
        Await.until(WAIT, () -> a.healthChecks() >= 2 && b.healthChecks() >= 2 && available(a) && available(b),
                () -> "both TLS backends checked and healthy");

        a.setServing(false);

        Await.until(WAIT, () -> !available(a), () -> "a marked unhealthy over TLS");
        for (int i = 0; i < 10; i++) {
            CallResult result = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);
            assertThat(result.backendId()).as(result.toString()).isEqualTo("b");
        }
    }

    @Test
    void outlierDetectionEjectsAFailingTlsBackend() {
        TestBackend bad = backend("bad", "127.0.0.2", CA.server(HOSTNAME).issue(), null);
        bad.setBehavior(Behavior.FAIL_UNAVAILABLE);
        TestBackend b = backend("b", "127.0.0.3", CA.server(HOSTNAME).issue(), null);
        RetryPolicy d = RetryPolicy.DEFAULT;
        route(TlsProvider.AUTO, config -> config.withBackendTls(TlsConfigs.backend(CA, HOSTNAME, null))
                .withRetry(new RetryPolicy(2, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO, d.backoffBase(),
                        d.backoffMax(), 100, 100, d.replayBufferBytes()))
                .withOutlierDetection(new OutlierDetection(true, 3, OutlierDetection.DEFAULT_ERROR_CODES,
                        Duration.ofSeconds(10), Duration.ofSeconds(60), 50)), bad, b);

        for (int i = 0; i < 20; i++) {
            CallResult result = client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);
            assertThat(result.isOk()).as(result.toString()).isTrue();
        }
        assertThat(available(bad)).isFalse();
    }

    private TestBackend backend(String id, String host, TestPki.Issued certificate, TestPki.Ca clientCa) {
        TestBackend backend = TestBackend.builder(id, new InetSocketAddress(host, 0))
                .tls(GrpcTls.server(certificate, clientCa == null ? null : clientCa.certificate())).start();
        backends.add(backend);
        return backend;
    }

    private void route(TlsProvider provider, UnaryOperator<BalancerConfig> tune, TestBackend... targets) {
        proxy = ProxyFixture.start(ProxyFixture.settings().withTlsProvider(provider), new DataPlaneMeters(registry, false));
        proxy.route(tune, LoadBalancingPolicy.RoundRobin,
                Arrays.stream(targets).map(t -> endpoint(t.address())).toList());
        client = TestClient.builder(proxy.address()).disableRetry().build();
    }

    private boolean available(TestBackend backend) {
        return proxy.dataPlane().isAvailable(ProxyFixture.BALANCER,
                new EndpointAddress(backend.address().getHostString(), backend.port()));
    }

    private double backendHandshakes(String result, String reason, String version) {
        return registry.get("grpcbalancer.backend.tls.handshakes").tag("result", result).tag("reason", reason)
                .tag("version", version).counter().count();
    }

}
