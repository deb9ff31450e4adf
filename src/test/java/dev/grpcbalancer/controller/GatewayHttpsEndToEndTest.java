package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static dev.grpcbalancer.controller.GatewayWorld.ECHO;
import static dev.grpcbalancer.controller.GatewayWorld.call;
import static dev.grpcbalancer.controller.GatewayWorld.condition;
import static dev.grpcbalancer.controller.GatewayWorld.https;
import static dev.grpcbalancer.controller.GatewayWorld.ok;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.backend;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.parent;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.route;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.translate.gateway.GatewayHttpsTranslationTest;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsProbe;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTPS listeners of a Gateway end to end against fabric8's CRUD mock API server: the listeners of
 * one port share its TLS listener, and each serves its own certificates to the clients whose SNI
 * its hostname takes (exact, then the longest wildcard, then the listener without hostname), even
 * where the certificates of several listeners all cover the name; a listener's broken or rotated
 * Secret changes nothing of the others. Served certificates are seen by their serials (bare JDK
 * handshakes) and by grpc-java clients that verify them and reach each listener's routes.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayHttpsEndToEndTest {

    private static final TestPki.Ca TLS_CA = TestPki.ca("gateway-https-end-to-end-ca");

    KubernetesClient client;

    private GatewayWorld world;

    @BeforeEach
    void setUp() {
        world = new GatewayWorld(client);
    }

    @AfterEach
    void tearDown() {
        world.close();
    }

    @Test
    void httpsListenersServeTheCertificateOfTheirHostnameAndOneWithoutAValidSecretWaitsForIt() throws Exception {
        TestPki.Issued foo = TLS_CA.server("foo.example.com").issue();
        TestPki.Issued bar = TLS_CA.server("*.bar.example.com").issue();
        secret("foo-tls", foo);
        int port = start(https("foo", "foo.example.com", "foo-tls"), https("bar", "*.bar.example.com", "bar-tls"));
        routeTo("foo", "foo", "v1");
        routeTo("bar", "bar", "v2");

        Condition missing = world.awaitListener(1, "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(missing.getMessage()).isEqualTo("tls.certificateRefs[0]: Secret shop/bar-tls: not found");
        assertThat(condition(world.gatewayNow().getStatus().getListeners().get(1).getConditions(), "Programmed")
                .getReason()).isEqualTo("Invalid");
        world.awaitListener(0, "Programmed", "True", "Programmed");
        assertThat(ok(call(tls(port, "foo.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");

        secret("bar-tls", bar);

        world.awaitListener(1, "Programmed", "True", "Programmed");
        Await.until(WAIT, () -> call(tls(port, "api.bar.example.com"), ECHO + "/Echo").isOk(),
                () -> "calls for api.bar.example.com verify its certificate and reach its route");
        assertThat(ok(call(tls(port, "api.bar.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(ok(call(tls(port, "foo.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
    }

    @Test
    void eachListenerServesItsOwnWildcardCertificateByHostnamePrecedenceAndABrokenSecretLeavesTheOthersAlone()
            throws Exception {
        // all three cover cart.shop.example and api.shop.example: only the listeners' hostnames tell them apart
        TestPki.Issued shop = TLS_CA.server("*.shop.example").issue();
        TestPki.Issued cart = TLS_CA.server("*.shop.example").issue();
        TestPki.Issued any = TLS_CA.server("*.shop.example").issue();
        secret("shop-tls", shop);
        secret("cart-tls", cart);
        secret("any-tls", any);
        int port = start(https("shop", "*.shop.example", "shop-tls"), https("cart", "cart.shop.example", "cart-tls"),
                https("any", null, "any-tls"));
        routeTo("shop", "shop", "v1");
        routeTo("cart", "cart", "v2");
        routeTo("any", "any", "v3");
        for (int i = 0; i < 3; i++) {
            world.awaitListener(i, "Programmed", "True", "Programmed");
        }

        assertThat(served(port, "cart.shop.example")).as("the exact hostname").isEqualTo(cart.serial());
        assertThat(served(port, "api.shop.example")).as("the wildcard").isEqualTo(shop.serial());
        assertThat(served(port, "elsewhere.test")).as("the listener without hostname").isEqualTo(any.serial());
        assertThat(served(port, null)).as("no SNI: the listener without hostname").isEqualTo(any.serial());
        Await.until(WAIT, () -> call(tls(port, "cart.shop.example"), ECHO + "/Echo").isOk(), () -> "routes attached");
        assertThat(ok(call(tls(port, "cart.shop.example"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(ok(call(tls(port, "api.shop.example"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");

        client.resource(GatewayHttpsTranslationTest.secret(NAMESPACE, "cart-tls", cart.chainPem(), shop.keyPem()))
                .update();
        Condition broken = world.awaitListener(1, "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(broken.getMessage()).endsWith("(the last valid certificate keeps serving)");
        TestPki.Issued renewed = TLS_CA.server("*.shop.example").issue();
        client.resource(GatewayHttpsTranslationTest.secret(NAMESPACE, "shop-tls", renewed.chainPem(), renewed.keyPem()))
                .update();

        Await.until(WAIT, () -> renewed.serial().equals(served(port, "api.shop.example")),
                () -> "the wildcard listener's renewed certificate serves");
        assertThat(served(port, "cart.shop.example")).as("the broken listener keeps its last valid certificate")
                .isEqualTo(cart.serial());
        assertThat(served(port, null)).isEqualTo(any.serial());
        assertThat(condition(world.gatewayNow().getStatus().getListeners().get(0).getConditions(), "ResolvedRefs")
                .getStatus()).isEqualTo("True");
        assertThat(ok(call(tls(port, "cart.shop.example"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
    }

    private int start(Listener... listeners) throws InterruptedException {
        return world.start(Set.of(NAMESPACE), listeners);
    }

    private void secret(String name, TestPki.Issued certificate) {
        client.resource(GatewayHttpsTranslationTest.secret(NAMESPACE, name, certificate.chainPem(), certificate.keyPem()))
                .create();
    }

    /** GRPCRoute {@code name} that sends every call of listener {@code section} to Service {@code service}. */
    private void routeTo(String name, String section, String service) {
        client.resource(route(NAMESPACE, name, List.of(parent("web", section, null)), List.of(),
                rule(null, null, backend(service, 50051, 1)))).create();
    }

    private TestClient tls(int port, String authority) {
        return world.tlsClient(port, TLS_CA.certificate(), authority);
    }

    /** The serial of the certificate the port serves a client that sends {@code sni} (null: none). */
    private static BigInteger served(int port, String sni) {
        try {
            return TlsProbe.to(new InetSocketAddress(ProxyFixture.HOST, port)).sni(sni).handshake().peer()
                    .getSerialNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
