package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.TlsCertificate;
import dev.grpcbalancer.testing.tls.TestPki;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.FrontendTLSValidation;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * HTTPS listeners translated with plain objects: certificates from Secrets (in another namespace
 * only with a ReferenceGrant for Gateways), every port's certificates for SNI, the reasons of a
 * listener whose references do not resolve, and the last valid certificate serving through a
 * broken update.
 */
public class GatewayHttpsTranslationTest {

    private static final TestPki.Ca CA = TestPki.ca("gateway-https-test-ca");
    private static final TestPki.Issued FOO = CA.server("foo.example.com").issue();
    private static final TestPki.Issued BAR = CA.server("*.bar.example.com").issue();
    private static final ObjectKey WEB = new ObjectKey("shop", "web");

    private final MapGatewayCluster cluster = new MapGatewayCluster().add(GatewayObjects.ourClass())
            .add(secret("shop", "foo-tls", FOO.chainPem(), FOO.keyPem()))
            .add(secret("certs", "bar-tls", BAR.chainPem(), BAR.keyPem()));

    @Test
    void httpsListenersOnAPortServeTheCertificatesOfTheirSecretsForSni() {
        cluster.add(new ReferenceGrantBuilder().withNewMetadata().withNamespace("certs").withName("gateways").endMetadata()
                .withNewSpec().addNewFrom().withGroup(GatewayApi.GROUP).withKind("Gateway").withNamespace("shop").endFrom()
                .addNewTo().withGroup("").withKind("Secret").withName("bar-tls").endTo().endSpec().build());

        GatewayCandidate candidate = translate(gateway("shop", "web",
                https("foo", 8443, "foo.example.com", ref(null, "foo-tls")),
                https("bar", 8443, "*.bar.example.com", ref("certs", "bar-tls")),
                listener("plain", 8080, null)));

        BalancerConfig port = candidate.ports().get(8443);
        assertThat(port.listenerTls().certificates()).extracting(TlsCertificate::source)
                .containsExactly("Secret shop/foo-tls", "Secret certs/bar-tls");
        assertThat(port.listenerTls().certificates().get(1).serverNames()).containsExactly("*.bar.example.com");
        assertThat(port.listenerTls().clientValidation().enabled()).isFalse();
        assertThat(candidate.ports().get(8080).listenerTls()).isEqualTo(ListenerTls.PLAINTEXT);
        assertThat(candidate.listeners()).allSatisfy(l -> {
            assertThat(l.unresolvedRefs()).isNull();
            assertThat(l.servable()).isTrue();
        });
        assertThat(candidate.inputs()).contains(InputRef.secret("shop", "foo-tls"), InputRef.secret("certs", "bar-tls"),
                InputRef.referenceGrants("certs"));
        assertThat(candidate.recheckAt()).isEqualTo(FOO.certificate().getNotAfter().toInstant().plusSeconds(1));
    }

    @Test
    void aSecretInAnotherNamespaceWithoutAReferenceGrantIsRefNotPermittedAndTheListenerIsNotServed() {
        GatewayCandidate candidate = translate(gateway("shop", "web",
                https("bar", 8443, "*.bar.example.com", ref("certs", "bar-tls"))));

        ListenerCheck listener = candidate.listeners().get(0);
        assertThat(listener.unresolvedRefs().reason()).isEqualTo("RefNotPermitted");
        assertThat(listener.unresolvedRefs().message()).isEqualTo("tls.certificateRefs[0]: Secret certs/bar-tls is in"
                + " another namespace and no ReferenceGrant there allows Gateways of shop to use it");
        assertThat(listener.notAccepted()).isNull();
        assertThat(listener.servable()).isFalse();
        assertThat(candidate.ports()).isEmpty();
    }

    @Test
    void everyBrokenReferenceIsAnInvalidCertificateRefAndTheValidOnesServe() {
        cluster.add(secret("shop", "mismatch", FOO.chainPem(), BAR.keyPem()));
        cluster.add(new SecretBuilder().withNewMetadata().withNamespace("shop").withName("empty").endMetadata().build());
        SecretObjectReference configMap = ref(null, "ca");
        configMap.setKind("ConfigMap");

        GatewayCandidate candidate = translate(gateway("shop", "web", https("foo", 8443, null,
                ref(null, "missing"), ref(null, "mismatch"), ref(null, "empty"), configMap, ref(null, "foo-tls"))));

        ListenerCheck listener = candidate.listeners().get(0);
        assertThat(listener.unresolvedRefs().reason()).isEqualTo("InvalidCertificateRef");
        assertThat(listener.unresolvedRefs().message()).contains(
                "tls.certificateRefs[0]: Secret shop/missing: not found",
                "tls.certificateRefs[1]: Secret shop/mismatch: tls.key does not match the certificate in tls.crt",
                "tls.certificateRefs[2]: Secret shop/empty: has no tls.crt",
                "tls.certificateRefs[3]: ConfigMap is not supported: name a Secret");
        assertThat(candidate.ports().get(8443).listenerTls().certificates()).extracting(TlsCertificate::source)
                .containsExactly("Secret shop/foo-tls");
    }

    @Test
    void anHttpsListenerWithoutCertificateRefsOrAskingForPassthroughOrClientCertificatesIsNotServed() {
        Listener passthrough = https("pass", 9443, null, ref(null, "foo-tls"));
        passthrough.getTls().setMode("Passthrough");
        Listener mutual = https("mutual", 9444, null, ref(null, "foo-tls"));
        mutual.getTls().setFrontendValidation(new FrontendTLSValidation());

        GatewayCandidate candidate = translate(gateway("shop", "web", https("none", 8443, null), passthrough, mutual));

        assertThat(candidate.listeners().get(0).unresolvedRefs().message())
                .isEqualTo("an HTTPS listener needs tls.certificateRefs");
        assertThat(candidate.listeners().get(1).notAccepted().reason()).isEqualTo("UnsupportedValue");
        assertThat(candidate.listeners().get(2).notAccepted().message()).startsWith("tls.frontendValidation is not supported");
        assertThat(candidate.ports()).isEmpty();
    }

    @Test
    void aBrokenSecretKeepsTheCertificateThePortServesAndAnExpiredOneIsRefused() {
        Gateway gateway = gateway("shop", "web", https("foo", 8443, null, ref(null, "foo-tls")));
        GatewayCandidate first = translate(gateway);
        Map<BalancerId, BalancerConfig> running = Map.of(GatewayTranslator.listenerId(WEB, 8443), first.ports().get(8443));

        cluster.add(secret("shop", "foo-tls", FOO.chainPem(), BAR.keyPem()));
        GatewayCandidate broken = GatewayTranslator.candidate(gateway, cluster, new KeyMaterialCache(), Instant.now(),
                running).orElseThrow();

        assertThat(broken.ports().get(8443).listenerTls()).isEqualTo(first.ports().get(8443).listenerTls());
        assertThat(broken.listeners().get(0).unresolvedRefs().message()).endsWith(
                "(the last valid certificate keeps serving)");

        TestPki.Issued expired = CA.server("foo.example.com").validity(Instant.now().minus(Duration.ofDays(9)),
                Instant.now().minus(Duration.ofDays(1))).issue();
        cluster.add(secret("shop", "foo-tls", expired.chainPem(), expired.keyPem()));
        GatewayCandidate stale = translate(gateway);
        assertThat(stale.listeners().get(0).unresolvedRefs().message()).contains("the certificate in tls.crt expired at");
        assertThat(stale.ports()).as("never valid here: nothing to keep").isEmpty();
    }

    private GatewayCandidate translate(Gateway gateway) {
        return GatewayTranslator.candidate(gateway, cluster).orElseThrow();
    }

    private static Listener https(String name, int port, String hostname, SecretObjectReference... refs) {
        return new ListenerBuilder(listener(name, port, hostname)).withProtocol("HTTPS").withNewTls()
                .withCertificateRefs(refs).endTls().build();
    }

    private static SecretObjectReference ref(String namespace, String name) {
        SecretObjectReference ref = new SecretObjectReference();
        ref.setNamespace(namespace);
        ref.setName(name);
        return ref;
    }

    /** A {@code kubernetes.io/tls} Secret. */
    public static Secret secret(String namespace, String name, String certificate, String key) {
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64(certificate), "tls.key", base64(key)))
                .build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
