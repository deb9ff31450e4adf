package dev.grpcbalancer.controller.translate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendTlsSpec;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.tls.TestPki;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsRefsTest {

    private static final TestPki.Ca CA = TestPki.ca("tls-refs-test-ca");
    private static final Instant NOW = Instant.now();

    private final Map<String, RefContent> objects = new HashMap<>();
    private final RefReader reader = ref -> objects.getOrDefault(ref.kindOrDefault() + "/" + ref.getName(),
            RefContent.missing(ref.kindOrDefault() + " shop/" + ref.getName(), "not found"));
    private final KeyMaterialCache keys = new KeyMaterialCache();

    @Test
    void validReferencesGiveTheListenerItsCertificatesInOrderAndClientValidation() {
        TestPki.Issued a = CA.server("a.example.com").issue();
        TestPki.Issued b = CA.server("b.example.com").issue();
        putKeyPair("a-tls", a);
        putKeyPair("b-tls", b);
        putCa("ConfigMap", "clients-ca", CA.certificatePem());
        GrpcBalancerSpec spec = spec(listenerTls(List.of(ref(null, "a-tls"), ref("Secret", "b-tls")),
                ClientValidationSpec.ALLOW_MISSING, ref("ConfigMap", "clients-ca")));

        TlsResolution tls = TlsRefs.resolve(spec, reader, keys, NOW, null);

        assertThat(tls.runnable()).isTrue();
        assertThat(tls.problems()).isEmpty();
        assertThat(tls.listener().certificates()).extracting(c -> c.source())
                .containsExactly("Secret shop/a-tls", "Secret shop/b-tls");
        assertThat(tls.listener().certificates().get(1).serverNames()).containsExactly("b.example.com");
        assertThat(tls.listener().clientValidation().required()).isFalse();
        assertThat(tls.listener().clientValidation().trusted()).singleElement()
                .satisfies(ca -> assertThat(ca.source()).isEqualTo("ConfigMap shop/clients-ca"));
    }

    @Test
    void brokenSecretWithNothingServedBeforeIsNotRunnableAndNamesTheSecret() {
        TestPki.Issued a = CA.server("a.example.com").issue();
        TestPki.Issued other = CA.server("other.example.com").issue();
        objects.put("Secret/a-tls", RefContent.found("Secret shop/a-tls", Map.of("tls.crt", a.chainPem(),
                "tls.key", other.keyPem())));

        TlsResolution tls = TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "a-tls")), null)), reader, keys, NOW, null);

        assertThat(tls.runnable()).isFalse();
        assertThat(tls.problems()).containsExactly(new SpecError("spec.listener.tls.certificateRefs[0]",
                "Secret shop/a-tls: tls.key does not match the certificate in tls.crt"));
    }

    @Test
    void brokenSecretKeepsItsLastValidCertificateFromTheRunningSnapshot() {
        TestPki.Issued a = CA.server("a.example.com").issue();
        putKeyPair("a-tls", a);
        GrpcBalancerSpec spec = spec(listenerTls(List.of(ref(null, "a-tls")), null));
        BalancerConfig running = running(TlsRefs.resolve(spec, reader, keys, NOW, null));

        objects.put("Secret/a-tls", RefContent.found("Secret shop/a-tls", Map.of("tls.crt", "garbage")));
        TlsResolution tls = TlsRefs.resolve(spec, reader, keys, NOW, running);

        assertThat(tls.runnable()).isTrue();
        assertThat(tls.keptPrevious()).isTrue();
        assertThat(tls.listener()).isEqualTo(running.listenerTls());
        assertThat(tls.problems()).singleElement().satisfies(problem -> assertThat(problem.message())
                .isEqualTo("Secret shop/a-tls: has no tls.key (it has tls.crt)"));
    }

    @Test
    void listenerWhoseReferencesAllBrokeAfterASpecChangeKeepsServingThePreviousCertificates() {
        TestPki.Issued a = CA.server("a.example.com").issue();
        putKeyPair("a-tls", a);
        BalancerConfig running = running(TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "a-tls")), null)),
                reader, keys, NOW, null));

        TlsResolution tls = TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "missing-tls")), null)), reader, keys,
                NOW, running);

        assertThat(tls.runnable()).isTrue();
        assertThat(tls.listener()).isEqualTo(running.listenerTls());
        assertThat(tls.problems()).extracting(SpecError::message).containsExactly("Secret shop/missing-tls: not found");
    }

    @Test
    void oneBrokenCertificateOfTwoLeavesTheOtherServing() {
        TestPki.Issued b = CA.server("b.example.com").issue();
        putKeyPair("b-tls", b);

        TlsResolution tls = TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "a-tls"), ref(null, "b-tls")), null)),
                reader, keys, NOW, null);

        assertThat(tls.runnable()).isTrue();
        assertThat(tls.keptPrevious()).isFalse();
        assertThat(tls.listener().certificates()).extracting(c -> c.source()).containsExactly("Secret shop/b-tls");
        assertThat(tls.problems()).hasSize(1);
    }

    @Test
    void expiredAndNotYetValidCertificatesAreRefusedAtTheGivenTime() {
        putKeyPair("old-tls", CA.server("a.example.com").validity(NOW.minus(Duration.ofDays(10)),
                NOW.minus(Duration.ofDays(1))).issue());
        putKeyPair("future-tls", CA.server("a.example.com").validity(NOW.plus(Duration.ofDays(1)),
                NOW.plus(Duration.ofDays(10))).issue());

        TlsResolution tls = TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "old-tls"), ref(null, "future-tls")),
                null)), reader, keys, NOW, null);

        assertThat(tls.runnable()).isFalse();
        assertThat(tls.problems()).extracting(SpecError::message).satisfiesExactly(
                m -> assertThat(m).startsWith("Secret shop/old-tls: the certificate in tls.crt expired at "),
                m -> assertThat(m).startsWith("Secret shop/future-tls: the certificate in tls.crt is not valid before "));
    }

    @Test
    void clientValidationWithoutAValidCaNeverServesWithoutIt() {
        putKeyPair("a-tls", CA.server("a.example.com").issue());
        putCa("ConfigMap", "clients-ca", "# empty bundle\n");

        TlsResolution tls = TlsRefs.resolve(spec(listenerTls(List.of(ref(null, "a-tls")), ClientValidationSpec.REQUIRE,
                ref("ConfigMap", "clients-ca"))), reader, keys, NOW, null);

        assertThat(tls.runnable()).isFalse();
        assertThat(tls.problems()).extracting(SpecError::toString).containsExactly(
                "spec.listener.tls.clientValidation.caCertificateRefs[0]: ConfigMap shop/clients-ca: ca.crt: no PEM"
                        + " certificate found (expected BEGIN CERTIFICATE)");
    }

    @Test
    void backendTlsNeedsAValidCaOrTheSystemRootsAndAValidClientCertificate() {
        TestPki.Issued client = CA.client("balancer").issue();
        putKeyPair("balancer-client-tls", client);
        putCa("ConfigMap", "backend-ca", CA.certificatePem());
        BackendTlsSpec backend = new BackendTlsSpec();
        backend.setCaCertificateRefs(List.of(ref("ConfigMap", "backend-ca")));
        backend.setHostname("Greeter.Shop.svc");
        backend.setClientCertificateRef(ref(null, "balancer-client-tls"));
        GrpcBalancerSpec spec = spec(null);
        spec.setBackendTLS(backend);

        TlsResolution tls = TlsRefs.resolve(spec, reader, keys, NOW, null);

        assertThat(tls.runnable()).isTrue();
        assertThat(tls.backend().hostname()).isEqualTo("greeter.shop.svc");
        assertThat(tls.backend().clientCertificate().source()).isEqualTo("Secret shop/balancer-client-tls");

        backend.setCaCertificateRefs(null);
        backend.setWellKnownCACertificates(BackendTlsSpec.SYSTEM);
        backend.setClientCertificateRef(ref(null, "missing"));
        TlsResolution broken = TlsRefs.resolve(spec, reader, keys, NOW, null);

        assertThat(broken.runnable()).isFalse();
        assertThat(broken.problems()).extracting(SpecError::field).containsExactly("spec.backendTLS.clientCertificateRef");
    }

    private BalancerConfig running(TlsResolution resolution) {
        return new BalancerConfig(new BalancerId("shop", "greeter"), 1, 8443, LoadBalancingPolicy.RoundRobin,
                BackendSet.EMPTY).withListenerTls(resolution.listener()).withBackendTls(resolution.backend());
    }

    private void putKeyPair(String name, TestPki.Issued issued) {
        objects.put("Secret/" + name, RefContent.found("Secret shop/" + name,
                Map.of("tls.crt", issued.chainPem(), "tls.key", issued.keyPem(TestPki.KeyFormat.TRADITIONAL))));
    }

    private void putCa(String kind, String name, String pem) {
        objects.put(kind + "/" + name, RefContent.found(kind + " shop/" + name, Map.of("ca.crt", pem)));
    }

    private static CertificateRef ref(String kind, String name) {
        return new CertificateRef(kind, name);
    }

    private static ListenerTlsSpec listenerTls(List<CertificateRef> certificates, String mode, CertificateRef... cas) {
        ListenerTlsSpec tls = new ListenerTlsSpec();
        tls.setCertificateRefs(certificates);
        if (cas.length > 0) {
            ClientValidationSpec validation = new ClientValidationSpec();
            validation.setCaCertificateRefs(List.of(cas));
            validation.setMode(mode);
            tls.setClientValidation(validation);
        }
        return tls;
    }

    private static GrpcBalancerSpec spec(ListenerTlsSpec tls) {
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(8443);
        listener.setTls(tls);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setStaticEndpoints(List.of("10.0.0.1:50051"));
        return spec;
    }
}
