package dev.grpcbalancer.testing.tls;

import dev.grpcbalancer.controller.translate.tls.KeyMaterial;
import dev.grpcbalancer.snapshot.BackendTls;
import dev.grpcbalancer.snapshot.CaBundle;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.TlsCertificate;
import java.util.Arrays;
import java.util.List;

/**
 * Snapshot TLS settings from {@link TestPki} certificates, checked and normalised by the same
 * {@link KeyMaterial} code the sources use, for data plane tests that publish snapshots directly.
 */
public final class TlsConfigs {

    private TlsConfigs() {
    }

    /** {@code issued} as a snapshot certificate named {@code source}. */
    public static TlsCertificate certificate(String source, TestPki.Issued issued) {
        KeyMaterial.KeyPair pair = KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key",
                issued.keyPem(TestPki.KeyFormat.TRADITIONAL));
        return new TlsCertificate(source, pair.chainPem(), pair.keyPem(), pair.serverNames(), pair.notAfter());
    }

    /** The CA's certificate as a trusted bundle named {@code source}. */
    public static CaBundle ca(String source, TestPki.Ca ca) {
        KeyMaterial.CaBundle bundle = KeyMaterial.caBundle("ca.crt", ca.certificatePem());
        return new CaBundle(source, bundle.pem(), bundle.notAfter());
    }

    /** A listener serving these certificates (named {@code cert-0}, {@code cert-1} ...), no client validation. */
    public static ListenerTls listener(TestPki.Issued... certificates) {
        return ListenerTls.of(Arrays.stream(certificates)
                .map(c -> certificate("Secret test/cert-" + Arrays.asList(certificates).indexOf(c), c)).toList(),
                ListenerTls.ClientValidation.NONE);
    }

    /** A listener serving {@code certificate} to clients with certificates from {@code clientCa}. */
    public static ListenerTls mutual(TestPki.Issued certificate, TestPki.Ca clientCa, boolean required) {
        return ListenerTls.of(List.of(certificate("Secret test/server", certificate)),
                new ListenerTls.ClientValidation(List.of(ca("ConfigMap test/clients-ca", clientCa)), required));
    }

    /** TLS to backends whose certificates chain to {@code ca} and are for {@code hostname}. */
    public static BackendTls backend(TestPki.Ca ca, String hostname, TestPki.Issued clientCertificate) {
        return new BackendTls(List.of(ca("ConfigMap test/backend-ca", ca)), false, hostname,
                clientCertificate == null ? null : certificate("Secret test/balancer-client", clientCertificate));
    }
}
