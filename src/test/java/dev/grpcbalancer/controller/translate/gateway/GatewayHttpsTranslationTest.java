package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.ListenerTls.HostCertificates;
import dev.grpcbalancer.snapshot.TlsCertificate;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * HTTPS listeners translated with plain objects: certificates from Secrets (in another namespace
 * only with a ReferenceGrant for Gateways), each listener's certificates for the SNI names of its
 * hostname, at most four distinct ones per port, the reasons of a listener whose references do not
 * resolve, and the last valid certificate serving through a broken update.
 */
public class GatewayHttpsTranslationTest {

    private static final TestPki.Ca CA = TestPki.ca("gateway-https-test-ca");
    private static final TestPki.Issued FOO = CA.server("foo.example.com").issue();
    private static final TestPki.Issued BAR = CA.server("*.bar.example.com").issue();
    /** Both cover every name below *.shop.example and *.example.com: only the listener hostname tells them apart. */
    private static final TestPki.Issued WILD_A = CA.server("*.shop.example", "*.example.com").issue();
    private static final TestPki.Issued WILD_B = CA.server("*.shop.example", "*.example.com").issue();
    private static final TestPki.Issued FIFTH = CA.server("fifth.shop.example").issue();
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
        assertThat(port.listenerTls().hosts()).extracting(HostCertificates::hostname)
                .containsExactly("foo.example.com", "*.bar.example.com");
        assertThat(port.listenerTls().hosts()).extracting(h -> sources(h.certificates()))
                .containsExactly(List.of("Secret shop/foo-tls"), List.of("Secret certs/bar-tls"));
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
    void eachHttpsListenerServesItsOwnCertificatesForItsHostnameAndOneWithoutHostnameForAnyHost() {
        cluster.add(secret("shop", "wild-a", WILD_A.chainPem(), WILD_A.keyPem()))
                .add(secret("shop", "wild-b", WILD_B.chainPem(), WILD_B.keyPem()));

        GatewayCandidate candidate = translate(gateway("shop", "web",
                https("shop", 8443, "*.shop.example", ref(null, "wild-a")),
                https("cart", 8443, "cart.shop.example", ref(null, "wild-b")),
                https("any", 8443, null, ref(null, "foo-tls"), ref(null, "wild-a"))));

        assertThat(candidate.ports().get(8443).listenerTls().hosts()).containsExactly(
                new HostCertificates("*.shop.example", List.of(certificate("shop", "wild-a", WILD_A))),
                new HostCertificates("cart.shop.example", List.of(certificate("shop", "wild-b", WILD_B))),
                new HostCertificates(null, List.of(certificate("shop", "foo-tls", FOO),
                        certificate("shop", "wild-a", WILD_A))));
        assertThat(candidate.ports().get(8443).listenerTls().certificates()).as("each once").hasSize(3);
    }

    @Test
    void aSecretSeveralListenersOfAPortNameCountsOnceTowardsItsFourCertificates() {
        cluster.add(secret("shop", "wild-a", WILD_A.chainPem(), WILD_A.keyPem()))
                .add(secret("shop", "wild-b", WILD_B.chainPem(), WILD_B.keyPem()))
                .add(secret("shop", "bar-tls", BAR.chainPem(), BAR.keyPem()))
                .add(secret("shop", "fifth", FIFTH.chainPem(), FIFTH.keyPem()));
        List<Listener> listeners = new java.util.ArrayList<>();
        for (String host : List.of("a", "b", "c", "d", "e", "f")) {
            listeners.add(https(host, 8443, host + ".shop.example", ref(null, "wild-a")));
        }
        listeners.add(https("g", 8443, "g.shop.example", ref(null, "wild-b"), ref(null, "foo-tls")));
        listeners.add(https("h", 8443, "h.shop.example", ref(null, "bar-tls"), ref(null, "fifth")));

        GatewayCandidate candidate = translate(gateway("shop", "web", listeners.toArray(Listener[]::new)));

        assertThat(candidate.ports().get(8443).listenerTls().hosts()).hasSize(8);
        assertThat(candidate.ports().get(8443).listenerTls().certificates()).extracting(TlsCertificate::source)
                .containsExactly("Secret shop/wild-a", "Secret shop/wild-b", "Secret shop/foo-tls", "Secret shop/bar-tls");
        ListenerCheck last = candidate.listeners().get(7);
        assertThat(last.servable()).isTrue();
        assertThat(last.unresolvedRefs().message()).isEqualTo("a port serves at most 4 certificates: 1 of this listener"
                + " left out");
    }

    @Test
    void aBrokenSecretOfOneListenerLeavesTheOtherListenersCertificatesAsTheyAre() {
        cluster.add(secret("shop", "wild-a", WILD_A.chainPem(), WILD_A.keyPem()))
                .add(secret("shop", "wild-b", WILD_B.chainPem(), WILD_B.keyPem()));
        Gateway gateway = gateway("shop", "web", https("a", 8443, "a.example.com", ref(null, "wild-a")),
                https("b", 8443, "b.example.com", ref(null, "wild-b")));
        GatewayCandidate first = translate(gateway);
        Map<BalancerId, BalancerConfig> running = Map.of(GatewayTranslator.listenerId(WEB, 8443), first.ports().get(8443));

        cluster.add(secret("shop", "wild-a", WILD_A.chainPem(), WILD_B.keyPem()));
        GatewayCandidate broken = GatewayTranslator.candidate(gateway, cluster, new KeyMaterialCache(), Instant.now(),
                running).orElseThrow();

        assertThat(broken.ports().get(8443).listenerTls()).as("a keeps its last valid certificate, b is untouched")
                .isEqualTo(first.ports().get(8443).listenerTls());
        assertThat(broken.listeners().get(0).unresolvedRefs().message()).endsWith(
                "(the last valid certificate keeps serving)");
        assertThat(broken.listeners().get(1).unresolvedRefs()).isNull();

        GatewayCandidate neverValid = translate(gateway);
        assertThat(neverValid.listeners().get(0).servable()).isFalse();
        assertThat(neverValid.ports().get(8443).listenerTls().hosts()).containsExactly(
                new HostCertificates("b.example.com", List.of(certificate("shop", "wild-b", WILD_B))));
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

    private static TlsCertificate certificate(String namespace, String name, TestPki.Issued issued) {
        return TlsConfigs.certificate("Secret " + namespace + "/" + name, issued);
    }

    private static List<String> sources(List<TlsCertificate> certificates) {
        return certificates.stream().map(TlsCertificate::source).toList();
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
