package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.ListenerTls.HostCertificates;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.MemoryClient;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import dev.grpcbalancer.testing.tls.MemoryTls;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import dev.grpcbalancer.testing.tls.TlsProbe;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A listener whose certificates are grouped by host name, as a Gateway port with several HTTPS
 * listeners is: every client's SNI picks the group of the listener hostname that takes it (exact,
 * then the longest wildcard, then the group for any host), even where the certificates of several
 * groups all cover the name, and then a certificate of that group by its names. Seen with bare JDK
 * handshakes (the served certificate's serial) and real grpc-java clients, with both providers; a
 * rotation of one group's certificate, in memory, leaves open connections and their calls alone.
 */
class TlsListenerHostnameTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final TestPki.Ca CA = TestPki.ca("listener-hostname-test-ca");
    /** Every one of these covers every name below *.example.com: only the listener hostname tells them apart. */
    private static final TestPki.Issued WILD_A = CA.server("*.example.com", "*.eu.example.com").issue();
    private static final TestPki.Issued WILD_B = CA.server("*.example.com", "*.eu.example.com").issue();
    private static final TestPki.Issued WILD_EU = CA.server("*.example.com", "*.eu.example.com").issue();
    private static final TestPki.Issued WILD_ANY = CA.server("*.example.com", "*.eu.example.com").issue();

    private ProxyFixture proxy;
    private TestBackend backend;

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void eachSniGetsTheCertificateOfTheListenerHostnameThatTakesIt(TlsProvider provider) throws IOException {
        start(provider, new ListenerTls(List.of(
                host("*.example.com", WILD_A),
                host("b.example.com", WILD_B),
                host("*.eu.example.com", WILD_EU),
                host(null, WILD_ANY)), ListenerTls.ClientValidation.NONE));

        assertThat(served("b.example.com")).as("exact before any wildcard").isEqualTo(WILD_B.serial());
        assertThat(served("a.example.com")).as("the wildcard").isEqualTo(WILD_A.serial());
        assertThat(served("x.eu.example.com")).as("the longest wildcard").isEqualTo(WILD_EU.serial());
        assertThat(served("y.x.eu.example.com")).as("a wildcard takes several labels").isEqualTo(WILD_EU.serial());
        assertThat(served("B.Example.COM")).as("without case").isEqualTo(WILD_B.serial());
        assertThat(served("example.com")).as("a wildcard never takes its own suffix").isEqualTo(WILD_ANY.serial());
        assertThat(served("nowhere.test")).as("a name no hostname takes: the any-host group").isEqualTo(WILD_ANY.serial());
        assertThat(served(null)).as("no SNI: the any-host group").isEqualTo(WILD_ANY.serial());

        for (String authority : List.of("b.example.com", "a.example.com", "x.eu.example.com")) {
            CallResult result = call(authority);
            assertThat(result.isOk()).as(authority + ": " + result).isTrue();
        }
    }

    @Test
    void withoutAGroupForAnyHostClientsWithoutSniOrWithAnUnknownNameGetTheFirstGroup() throws IOException {
        start(TlsProvider.AUTO, new ListenerTls(List.of(host("b.example.com", WILD_B), host("a.example.com", WILD_A)),
                ListenerTls.ClientValidation.NONE));

        assertThat(served("a.example.com")).isEqualTo(WILD_A.serial());
        assertThat(served("b.example.com")).isEqualTo(WILD_B.serial());
        assertThat(served("c.example.com")).isEqualTo(WILD_B.serial());
        assertThat(served(null)).isEqualTo(WILD_B.serial());
    }

    @Test
    void aGroupChoosesAmongItsOwnCertificatesByTheirNames() throws IOException {
        TestPki.Issued cart = CA.server("cart.shop.example").rsa().issue();
        TestPki.Issued shop = CA.server("*.shop.example").issue();
        start(TlsProvider.AUTO, new ListenerTls(List.of(host("*.shop.example", shop, cart), host(null, WILD_ANY)),
                ListenerTls.ClientValidation.NONE));

        assertThat(served("cart.shop.example")).isEqualTo(cart.serial());
        assertThat(served("api.shop.example")).isEqualTo(shop.serial());
        assertThat(served("deep.api.shop.example")).as("the group's first: no name of its certificates matches")
                .isEqualTo(shop.serial());
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"OPENSSL", "JDK"})
    void rotatingOneHostsCertificateKeepsTheOthersSessionsResumable(TlsProvider provider) throws IOException {
        start(provider, new ListenerTls(List.of(host("a.example.com", WILD_A), host("b.example.com", WILD_B)),
                ListenerTls.ClientValidation.NONE));
        TlsProbe probeB = TlsProbe.to(proxy.address()).sni("b.example.com").protocols("TLSv1.2");
        TlsProbe.Handshake before = probeB.handshake();

        TestPki.Issued rotated = CA.server("*.example.com").issue();
        proxy.route(config -> config.withListenerTls(new ListenerTls(List.of(host("a.example.com", rotated),
                host("b.example.com", WILD_B)), ListenerTls.ClientValidation.NONE)), LoadBalancingPolicy.RoundRobin,
                List.of(endpoint(backend.address())));

        assertThat(served("a.example.com")).isEqualTo(rotated.serial());
        TlsProbe.Handshake after = probeB.handshake();
        assertThat(after.peer().getSerialNumber()).isEqualTo(WILD_B.serial());
        assertThat(after.session().getId()).as("resumed: b's context was kept").isEqualTo(before.session().getId());
    }

    @Test
    void connectionsOpenWhenOneHostsCertificateRotatesKeepTheirSessionsAndCalls() {
        ListenerTls before = new ListenerTls(List.of(host("a.example.com", WILD_A), host("b.example.com", WILD_B)),
                ListenerTls.ClientValidation.NONE);
        TestPki.Issued rotated = CA.server("*.example.com").issue();
        ListenerTls after = new ListenerTls(List.of(host("a.example.com", rotated), host("b.example.com", WILD_B)),
                ListenerTls.ClientValidation.NONE);
        try (InMemoryProxy memory = InMemoryProxy.start(c -> c.withListenerTls(before), "10.0.0.1:50051")) {
            memory.backend("10.0.0.1:50051");
            MemoryTls tlsA = MemoryTls.client(CA, "a.example.com");
            MemoryClient clientA = memory.connect(new MemoryClient(), tlsA);
            MemoryTls tlsB = MemoryTls.client(CA, "b.example.com");
            MemoryClient clientB = memory.connect(new MemoryClient(), tlsB);
            MemoryClient.Call inFlight = clientA.start(MemoryClient.grpcRequest("/test.Echo/Unary"), false);
            memory.run();

            memory.route(c -> c.withListenerTls(after), "10.0.0.1:50051");
            inFlight.send(MemoryClient.message("across the rotation"), true);
            MemoryClient.Call nextA = clientA.unary("/test.Echo/Unary", "a");
            MemoryClient.Call nextB = clientB.unary("/test.Echo/Unary", "b");
            memory.run();

            assertThat(List.of(inFlight.status(), nextA.status(), nextB.status())).containsOnly(GrpcCode.OK);
            assertThat(clientA.isClosed() || clientB.isClosed()).isFalse();
            assertThat(tlsA.peerCertificate().getSerialNumber()).as("the open session keeps its certificate")
                    .isEqualTo(WILD_A.serial());
            MemoryTls newA = MemoryTls.client(CA, "a.example.com");
            memory.connect(new MemoryClient(), newA);
            assertThat(newA.peerCertificate().getSerialNumber()).isEqualTo(rotated.serial());
        }
    }

    private void start(TlsProvider provider, ListenerTls tls) {
        backend = TestBackend.start("a", "127.0.0.2");
        proxy = ProxyFixture.start(ProxyFixture.settings().withTlsProvider(provider));
        proxy.route(config -> config.withListenerTls(tls), LoadBalancingPolicy.RoundRobin,
                List.of(endpoint(backend.address())));
    }

    /** The serial of the certificate served to a client that sends {@code sni} (null: none). */
    private BigInteger served(String sni) throws IOException {
        return TlsProbe.to(proxy.address()).sni(sni).handshake().peer().getSerialNumber();
    }

    /** A call by a grpc-java client that sends {@code authority} as SNI and verifies the certificate for it. */
    private CallResult call(String authority) {
        try (TestClient client = TestClient.builder(proxy.address()).tls(GrpcTls.client(CA.certificate()))
                .authority(authority).disableRetry().build()) {
            return client.unary(TestService.utf8("hi"), RequestHeaders.none(), DEADLINE);
        }
    }

    private static HostCertificates host(String hostname, TestPki.Issued... certificates) {
        return new HostCertificates(hostname, Arrays.stream(certificates)
                .map(c -> TlsConfigs.certificate("Secret test/" + c.serial(), c)).toList());
    }
}
