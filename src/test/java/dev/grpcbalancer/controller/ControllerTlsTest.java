package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsProbe;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Certificates from Secrets and ConfigMaps against fabric8's CRUD mock API server: ResolvedRefs
 * with reason InvalidCertificateRef for every bad input, the last valid certificate serving
 * through a bad update, a listener that never had one not opened, rotation by updating the Secret.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerTlsTest {

    private static final TestPki.Ca CA = TestPki.ca("controller-tls-test-ca");

    KubernetesClient client;

    private ControllerFixture controller;
    private TestBackend backend;
    private int port;

    @BeforeEach
    void start() {
        backend = TestBackend.start("a", "127.0.0.2");
        port = FreePorts.freeLoopbackPort();
    }

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
        backend.close();
    }

    @Test
    void balancerServesTheCertificateOfItsSecretAndRotatesWhenTheSecretChanges() throws Exception {
        TestPki.Issued first = CA.server("greeter.shop.svc").rsa().issue();
        client.resource(tlsSecret("greeter-tls", first.chainPem(), first.keyPem(TestPki.KeyFormat.TRADITIONAL))).create();
        client.resource(helmReleaseSecret()).create();
        controller = ControllerFixture.start(client);
        client.resource(balancer("greeter", port, "greeter-tls")).create();

        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        controller.awaitCondition("greeter", "ResolvedRefs", "True", "ResolvedRefs");
        try (TestClient grpc = TestClient.builder(address()).tls(GrpcTls.client(CA.certificate()))
                .authority("greeter.shop.svc:443").build()) {
            CallResult result = grpc.unary(TestService.utf8("hi"), RequestHeaders.none(), WAIT);
            assertThat(result.isOk()).as(result.toString()).isTrue();
        }
        assertThat(servedSerial()).isEqualTo(first.serial());

        TestPki.Issued second = CA.server("greeter.shop.svc").issue();
        client.resource(tlsSecret("greeter-tls", second.chainPem(), second.keyPem(TestPki.KeyFormat.TRADITIONAL)))
                .update();

        Await.until(WAIT, () -> second.serial().equals(servedSerial()), () -> "the new certificate served");
    }

    @Test
    void badSecretUpdateKeepsTheLastValidCertificateServingAndSaysWhatIsWrong() throws Exception {
        TestPki.Issued good = CA.server("greeter.shop.svc").issue();
        TestPki.Issued other = CA.server("other.shop.svc").issue();
        client.resource(tlsSecret("greeter-tls", good.chainPem(), good.keyPem())).create();
        controller = ControllerFixture.start(client);
        client.resource(balancer("greeter", port, "greeter-tls")).create();
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");

        client.resource(tlsSecret("greeter-tls", good.chainPem(), other.keyPem())).update();

        Condition refs = controller.awaitCondition("greeter", "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(refs.getMessage()).isEqualTo("Secret shop/greeter-tls: tls.key does not match the certificate in"
                + " tls.crt (the last valid certificates keep serving)");
        assertThat(controller.condition("greeter", "Programmed").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(servedSerial()).isEqualTo(good.serial());

        client.resource(tlsSecret("greeter-tls", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                good.keyPem())).update();
        refs = awaitMessage("greeter", "tls.crt: certificate 1 is malformed");
        assertThat(servedSerial()).isEqualTo(good.serial());

        TestPki.Issued expired = CA.server("greeter.shop.svc").validity(Instant.now().minus(Duration.ofDays(9)),
                Instant.now().minus(Duration.ofDays(1))).issue();
        client.resource(tlsSecret("greeter-tls", expired.chainPem(), expired.keyPem())).update();
        awaitMessage("greeter", "the certificate in tls.crt expired at");
        assertThat(servedSerial()).isEqualTo(good.serial());

        client.secrets().inNamespace(NAMESPACE).withName("greeter-tls").delete();
        awaitMessage("greeter", "Secret shop/greeter-tls: not found (the last valid certificates keep serving)");
        assertThat(servedSerial()).isEqualTo(good.serial());
    }

    @Test
    void balancerWhoseSecretWasNeverValidDoesNotListenUntilItIs() throws Exception {
        controller = ControllerFixture.start(client);
        client.resource(balancer("greeter", port, "greeter-tls")).create();

        Condition refs = controller.awaitCondition("greeter", "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(refs.getMessage()).isEqualTo("Secret shop/greeter-tls: not found (not serving: no valid certificate yet)");
        Condition programmed = controller.awaitCondition("greeter", "Programmed", "False", "Invalid");
        assertThat(programmed.getMessage()).contains("no valid certificate");
        controller.awaitCondition("greeter", "Accepted", "True", "Accepted");
        assertThat(accepting()).isFalse();

        TestPki.Issued issued = CA.server("greeter.shop.svc").issue();
        client.resource(tlsSecret("greeter-tls", issued.chainPem(), issued.keyPem(TestPki.KeyFormat.TRADITIONAL))).create();

        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        controller.awaitCondition("greeter", "ResolvedRefs", "True", "ResolvedRefs");
        assertThat(servedSerial()).isEqualTo(issued.serial());
    }

    @Test
    void clientCaBundleWithoutACertificateIsAnInvalidCertificateRefAndOtherBalancersKeepServing() throws Exception {
        TestPki.Issued issued = CA.server("greeter.shop.svc").issue();
        client.resource(tlsSecret("greeter-tls", issued.chainPem(), issued.keyPem())).create();
        client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(NAMESPACE).withName("clients-ca")
                .endMetadata().withData(Map.of("ca.crt", "# the CA goes here\n")).build()).create();
        controller = ControllerFixture.start(client);
        int otherPort = FreePorts.freeLoopbackPort();
        client.resource(balancer("other", otherPort, "greeter-tls")).create();
        controller.awaitCondition("other", "Programmed", "True", "Programmed");

        GrpcBalancer mutual = balancer("greeter", port, "greeter-tls");
        ClientValidationSpec validation = new ClientValidationSpec();
        validation.setCaCertificateRefs(List.of(new CertificateRef("ConfigMap", "clients-ca")));
        mutual.getSpec().getListener().getTls().setClientValidation(validation);
        client.resource(mutual).create();

        Condition refs = controller.awaitCondition("greeter", "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(refs.getMessage()).isEqualTo("ConfigMap shop/clients-ca: ca.crt: no PEM certificate found (expected"
                + " BEGIN CERTIFICATE) (not serving: no valid certificate yet)");
        controller.awaitCondition("greeter", "Programmed", "False", "Invalid");
        assertThat(TlsProbe.to(new InetSocketAddress(ProxyFixture.HOST, otherPort)).handshake().peer().getSerialNumber())
                .isEqualTo(issued.serial());
    }

    @Test
    void directoryReferencesAreForStandaloneModeOnly() throws Exception {
        controller = ControllerFixture.start(client);
        GrpcBalancer balancer = balancer("greeter", port, "x");
        balancer.getSpec().getListener().getTls().setCertificateRefs(List.of(new CertificateRef("Directory", "/etc/tls")));
        client.resource(balancer).create();

        Condition accepted = controller.awaitCondition("greeter", "Accepted", "False", "Invalid");
        assertThat(accepted.getMessage()).isEqualTo("spec.listener.tls.certificateRefs[0].kind: Directory references"
                + " are for standalone mode; in a cluster name a Secret or a ConfigMap");
    }

    private Condition awaitMessage(String balancer, String text) {
        Await.until(WAIT, () -> controller.condition(balancer, "ResolvedRefs")
                .filter(c -> c.getMessage().contains(text)).isPresent(),
                () -> "ResolvedRefs saying " + text + "; now " + controller.condition(balancer, "ResolvedRefs"));
        return controller.condition(balancer, "ResolvedRefs").orElseThrow();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress(ProxyFixture.HOST, port);
    }

    private BigInteger servedSerial() {
        try {
            return TlsProbe.to(address()).sni("greeter.shop.svc").handshake().peer().getSerialNumber();
        } catch (IOException e) {
            throw new AssertionError("handshake with " + address() + " failed", e);
        }
    }

    private boolean accepting() {
        try (Socket socket = new Socket()) {
            socket.connect(address(), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private GrpcBalancer balancer(String name, int listenerPort, String secret) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace(NAMESPACE);
        balancer.getMetadata().setName(name);
        ListenerTlsSpec tls = new ListenerTlsSpec();
        tls.setCertificateRefs(List.of(new CertificateRef(null, secret)));
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(listenerPort);
        listener.setTls(tls);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setStaticEndpoints(List.of(backend.address().getHostString() + ":" + backend.port()));
        balancer.setSpec(spec);
        return balancer;
    }

    /** A kubernetes.io/tls Secret as cert-manager writes it. */
    private static Secret tlsSecret(String name, String certificate, String key) {
        return new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(name).endMetadata()
                .withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64(certificate), "tls.key", base64(key), "ca.crt",
                        base64(CA.certificatePem())))
                .build();
    }

    /** What Helm keeps per release revision; the controller does not cache these. */
    private static Secret helmReleaseSecret() {
        return new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE).withName("sh.helm.release.v1.shop.v1")
                .endMetadata().withType("helm.sh/release.v1").withData(Map.of("release", base64("H4sI..."))).build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
