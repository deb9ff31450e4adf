package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendTlsSpec;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape rules of spec.listener.tls and spec.backendTLS, as both modes check them. */
class TlsSpecsTest {

    @Test
    void wellFormedTlsSectionsAreValid() {
        GrpcBalancer balancer = withListenerTls(List.of(ref(null, "greeter-tls"), ref("Directory", "/etc/tls")));
        ClientValidationSpec validation = new ClientValidationSpec();
        validation.setCaCertificateRefs(List.of(ref("ConfigMap", "clients-ca"), ref("Secret", "more-cas")));
        validation.setMode("AllowMissing");
        balancer.getSpec().getListener().getTls().setClientValidation(validation);
        BackendTlsSpec backend = new BackendTlsSpec();
        backend.setWellKnownCACertificates("System");
        backend.setHostname("api.example.com");
        backend.setClientCertificateRef(ref(null, "client-tls"));
        balancer.getSpec().setBackendTLS(backend);

        assertThat(SpecValidation.validate(balancer)).isEmpty();
    }

    @Test
    void certificateRefsAreCountedKindedNamedAndListedOnce() {
        CertificateRef grouped = ref(null, "a-tls");
        grouped.setGroup("gateway.networking.k8s.io");
        GrpcBalancer balancer = withListenerTls(List.of(ref(null, "a-tls"), ref("Secret", "a-tls"),
                ref("ConfigMap", "b"), ref("Directory", "relative/path"), grouped));

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.listener.tls.certificateRefs", "must list 1..4 references, got 5"),
                new SpecError("spec.listener.tls.certificateRefs[1]", "listed twice"),
                new SpecError("spec.listener.tls.certificateRefs[2].kind", "must be one of Secret, Directory, got \"ConfigMap\""),
                new SpecError("spec.listener.tls.certificateRefs[3].name",
                        "a Directory is named by its absolute path, got \"relative/path\""),
                new SpecError("spec.listener.tls.certificateRefs[4].group",
                        "must be \"\" (the core API group), got \"gateway.networking.k8s.io\""));
    }

    @Test
    void clientValidationNeedsCasAndAKnownMode() {
        GrpcBalancer balancer = withListenerTls(List.of(ref(null, "greeter-tls")));
        ClientValidationSpec validation = new ClientValidationSpec();
        validation.setMode("Optional");
        balancer.getSpec().getListener().getTls().setClientValidation(validation);

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.listener.tls.clientValidation.caCertificateRefs", "required"),
                new SpecError("spec.listener.tls.clientValidation.mode",
                        "must be one of Require, AllowMissing, got \"Optional\""));
    }

    @Test
    void backendTlsNeedsExactlyOneCaSourceAndAHostname() {
        GrpcBalancer balancer = SpecValidationTest.balancer("greeter", 8080, "10.0.0.1:1");
        BackendTlsSpec backend = new BackendTlsSpec();
        backend.setCaCertificateRefs(List.of(ref("Secret", "Backend_CA")));
        backend.setWellKnownCACertificates("Mozilla");
        backend.setHostname("not a host");
        balancer.getSpec().setBackendTLS(backend);

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.backendTLS", "set exactly one of caCertificateRefs and wellKnownCACertificates"),
                new SpecError("spec.backendTLS.caCertificateRefs[0].name", "must be a Secret name: lowercase letters,"
                        + " digits, '-' and '.' (at most 253 characters), got \"Backend_CA\""),
                new SpecError("spec.backendTLS.wellKnownCACertificates", "must be System, got \"Mozilla\""),
                new SpecError("spec.backendTLS.hostname",
                        "must be a DNS name (letters, digits, '-' and '.'), got \"not a host\""));

        backend.setCaCertificateRefs(null);
        backend.setWellKnownCACertificates(null);
        backend.setHostname(null);
        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.backendTLS", "set exactly one of caCertificateRefs and wellKnownCACertificates"),
                new SpecError("spec.backendTLS.hostname", "required"));
    }

    private static GrpcBalancer withListenerTls(List<CertificateRef> certificates) {
        GrpcBalancer balancer = SpecValidationTest.balancer("greeter", 8443, "10.0.0.1:1");
        ListenerTlsSpec tls = new ListenerTlsSpec();
        tls.setCertificateRefs(certificates);
        balancer.getSpec().getListener().setTls(tls);
        return balancer;
    }

    private static CertificateRef ref(String kind, String name) {
        return new CertificateRef(kind, name);
    }
}
