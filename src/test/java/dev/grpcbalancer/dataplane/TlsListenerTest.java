package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.LogCapture;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import dev.grpcbalancer.testing.tls.TlsProbe;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS on a balancer's listener with real grpc-java clients (and bare JDK handshakes to see what is
 * served), with both TLS providers: termination, SNI over two certificates, mutual TLS, ALPN h2
 * only, versions, session resumption, and every kind of call over TLS.
 */
class TlsListenerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final TestPki.Ca CA = TestPki.ca("listener-test-ca");
    private static final TestPki.Ca CLIENT_CA = TestPki.ca("client-ca");
    private static final TestPki.Issued GREETER = CA.server("greeter.example.com").issue();
    private static final TestPki.Issued OTHER = CA.server("other.example.com", "*.other.example.com").rsa().issue();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private ProxyFixture proxy;
    private TestBackend backend;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void clientCallsOverTlsWithTheListenersCertificate(TlsProvider provider) throws IOException {
        start(provider, TlsConfigs.listener(GREETER));

        CallResult result = client(GrpcTls.client(CA.certificate()), "greeter.example.com")
                .unary(TestService.utf8("hello"), RequestHeaders.none(), DEADLINE);

        assertThat(result.isOk()).as(result.toString()).isTrue();
        assertThat(result.backendId()).isEqualTo("a");
        TlsProbe.Handshake handshake = TlsProbe.to(proxy.address()).sni("greeter.example.com").handshake();
        assertThat(handshake.applicationProtocol()).isEqualTo("h2");
        assertThat(handshake.protocol()).isEqualTo("TLSv1.3");
        assertThat(handshake.peer().getSerialNumber()).isEqualTo(GREETER.serial());
        assertThat(proxy.dataPlane().tlsProvider()).isEqualTo(provider.name());
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void sniChoosesAmongTwoCertificatesAndTheFirstServesClientsWithoutAMatch(TlsProvider provider) throws IOException {
        start(provider, TlsConfigs.listener(GREETER, OTHER));

        assertThat(TlsProbe.to(proxy.address()).sni("other.example.com").handshake().peer().getSerialNumber())
                .isEqualTo(OTHER.serial());
        assertThat(TlsProbe.to(proxy.address()).sni("api.other.example.com").handshake().peer().getSerialNumber())
                .isEqualTo(OTHER.serial());
        assertThat(TlsProbe.to(proxy.address()).sni("GREETER.example.com").handshake().peer().getSerialNumber())
                .isEqualTo(GREETER.serial());
        assertThat(TlsProbe.to(proxy.address()).sni("unknown.example.com").handshake().peer().getSerialNumber())
                .isEqualTo(GREETER.serial());
        assertThat(TlsProbe.to(proxy.address()).handshake().peer().getSerialNumber()).isEqualTo(GREETER.serial());
        CallResult viaSni = client(GrpcTls.client(CA.certificate()), "other.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);
        assertThat(viaSni.isOk()).as(viaSni.toString()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void mutualTlsAcceptsTrustedClientsAndRefusesOthers(TlsProvider provider) {
        start(provider, TlsConfigs.mutual(GREETER, CLIENT_CA, true));
        TestPki.Issued trusted = CLIENT_CA.client("trusted-client").issue();
        TestPki.Issued untrusted = rogueClient();

        CallResult accepted = client(GrpcTls.client(CA.certificate(), trusted), "greeter.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);
        CallResult withoutCertificate = client(GrpcTls.client(CA.certificate()), "greeter.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);
        CallResult withUntrusted = client(GrpcTls.client(CA.certificate(), untrusted), "greeter.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);

        assertThat(accepted.isOk()).as(accepted.toString()).isTrue();
        assertThat(withoutCertificate.code()).as(withoutCertificate.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(withUntrusted.code()).as(withUntrusted.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        awaitHandshakes("failed", "no_certificate", "none", 1);
        awaitHandshakes("failed", "certificate", "none", 1);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void allowMissingLetsClientsWithoutACertificateInButStillVerifiesOnePresented(TlsProvider provider) {
        start(provider, TlsConfigs.mutual(GREETER, CLIENT_CA, false));
        TestPki.Issued untrusted = rogueClient();

        CallResult withoutCertificate = client(GrpcTls.client(CA.certificate()), "greeter.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);
        CallResult withUntrusted = client(GrpcTls.client(CA.certificate(), untrusted), "greeter.example.com")
                .unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);

        assertThat(withoutCertificate.isOk()).as(withoutCertificate.toString()).isTrue();
        assertThat(withUntrusted.code()).as(withUntrusted.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void clientOfferingOnlyHttp11GetsAHandshakeFailureAndADebugLine(TlsProvider provider) {
        start(provider, TlsConfigs.listener(GREETER));
        try (LogCapture log = LogCapture.of("dev.grpcbalancer.dataplane.tls", Level.DEBUG)) {

            assertThatThrownBy(() -> TlsProbe.to(proxy.address()).alpn("http/1.1").handshake())
                    .isInstanceOf(SSLException.class).hasMessageContaining("no_application_protocol");
            assertThatThrownBy(() -> TlsProbe.to(proxy.address()).alpn().handshake()).isInstanceOf(SSLException.class);

            log.awaitLine(Level.DEBUG, "offered ALPN http/1.1, not h2", DEADLINE);
            log.awaitLine(Level.DEBUG, "offered no ALPN protocols", DEADLINE);
        }
        awaitHandshakes("failed", "alpn", "none", 2);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void tls12IsOfferedAndResumesSessionsOlderVersionsAreRefused(TlsProvider provider) throws IOException {
        start(provider, TlsConfigs.listener(GREETER));
        TlsProbe tls12 = TlsProbe.to(proxy.address()).sni("greeter.example.com").protocols("TLSv1.2");

        TlsProbe.Handshake first = tls12.handshake();
        TlsProbe.Handshake second = tls12.handshake();

        assertThat(first.protocol()).isEqualTo("TLSv1.2");
        assertThat(first.applicationProtocol()).isEqualTo("h2");
        assertThat(second.session().getId()).isEqualTo(first.session().getId());
        assertThat(second.session().getCreationTime()).isEqualTo(first.session().getCreationTime());
        assertThatThrownBy(() -> TlsProbe.to(proxy.address()).protocols("TLSv1.1").handshake())
                .isInstanceOf(SSLException.class);
        awaitHandshakes("ok", "none", "TLSv1.2", 2);
    }

    @Test
    void plaintextHttp2OnATlsListenerIsClosedAndCounted() throws IOException {
        start(TlsProvider.AUTO, TlsConfigs.listener(GREETER));

        try (Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(in.read()).as("the listener closes the connection").isEqualTo(-1);
        }
        awaitHandshakes("failed", "not_tls", "none", 1);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void everyKindOfCallAndLargeMessagesPassOverTls(TlsProvider provider) {
        start(provider, TlsConfigs.listener(GREETER));
        TestClient client = client(GrpcTls.client(CA.certificate()), "greeter.example.com");
        byte[] large = new byte[8 * 1024 * 1024];
        new Random(7).nextBytes(large);

        CallResult unary = client.unary(large, RequestHeaders.none(), DEADLINE);
        CallResult serverStream = client.serverStream(200, 4096, RequestHeaders.none(), DEADLINE);
        CallResult clientStream = client.clientStream(List.of(large, TestService.utf8("tail")), RequestHeaders.none(),
                DEADLINE);
        CallResult bidi = client.bidi(List.of(TestService.utf8("one"), large, TestService.utf8("three")),
                RequestHeaders.none(), DEADLINE);

        assertThat(unary.isOk()).as(unary.toString()).isTrue();
        assertThat(unary.body()).isEqualTo(large);
        assertThat(serverStream.code()).as(serverStream.toString()).isEqualTo(Status.Code.OK);
        assertThat(serverStream.messageCount()).isEqualTo(200);
        assertThat(serverStream.streamMismatches()).isZero();
        assertThat(TestService.Totals.parse(clientStream.body())).isEqualTo(new TestService.Totals(2, large.length + 4));
        assertThat(bidi.messages()).hasSize(3);
        assertThat(bidi.messages().get(1)).isEqualTo(large);
        awaitHandshakes("ok", "none", "TLSv1.3", 1);
    }

    @Test
    void certificateExpiryIsAGaugeInSecondsSinceTheEpoch() {
        start(TlsProvider.AUTO, TlsConfigs.mutual(GREETER, CLIENT_CA, true));

        assertThat(registry.get("grpcbalancer.tls.certificate.expiry").tag("certificate", "Secret test/server")
                .tag("use", "serving").gauge().value())
                .isEqualTo((double) GREETER.certificate().getNotAfter().toInstant().getEpochSecond());
        assertThat(registry.get("grpcbalancer.tls.certificate.expiry").tag("certificate", "ConfigMap test/clients-ca")
                .tag("use", "client-ca").gauge().value())
                .isEqualTo((double) CLIENT_CA.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    /**
     * A client certificate from a CA with the same name as the trusted one but another key: clients
     * choose which certificate to present by the CA names the server asks for, so this one is sent,
     * and must fail verification.
     */
    private static TestPki.Issued rogueClient() {
        return TestPki.ca("client-ca").client("rogue-client").issue();
    }

    private String counts() {
        StringBuilder out = new StringBuilder("handshake counters:");
        registry.find("grpcbalancer.tls.handshakes").counters().stream().filter(c -> c.count() > 0)
                .forEach(c -> out.append(' ').append(c.getId().getTags()).append('=').append(c.count()));
        return out.toString();
    }

    private void start(TlsProvider provider, ListenerTls tls) {
        start(provider, config -> config.withListenerTls(tls));
    }

    private void start(TlsProvider provider, UnaryOperator<dev.grpcbalancer.snapshot.BalancerConfig> tune) {
        backend = TestBackend.start("a", "127.0.0.2");
        proxy = ProxyFixture.start(ProxyFixture.settings().withTlsProvider(provider),
                new DataPlaneMeters(registry, false));
        proxy.route(tune, LoadBalancingPolicy.RoundRobin, List.of(endpoint(backend.address())));
    }

    private TestClient client(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls, String authority) {
        TestClient client = TestClient.builder(proxy.address()).tls(tls).authority(authority + ":443").disableRetry()
                .build();
        closing.add(client);
        return client;
    }

    /** The server counts a handshake when it has seen the client's Finished, which may be after the client returned. */
    private void awaitHandshakes(String result, String reason, String version, int expected) {
        Await.until(DEADLINE, () -> handshakes(result, reason, version) >= expected,
                () -> expected + " handshakes " + result + "/" + reason + "/" + version + "; " + counts());
        assertThat(handshakes(result, reason, version)).as(counts()).isEqualTo(expected);
    }

    private double handshakes(String result, String reason, String version) {
        return registry.get("grpcbalancer.tls.handshakes").tag("balancer", ProxyFixture.BALANCER.toString())
                .tag("result", result).tag("reason", reason).tag("version", version).counter().count();
    }
}
