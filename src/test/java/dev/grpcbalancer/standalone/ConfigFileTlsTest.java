package dev.grpcbalancer.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.tls.TestPki;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate references in a standalone file: Secret and ConfigMap documents of the same file,
 * directories laid out like a mounted Secret, and every bad input named by file, document, field.
 */
class ConfigFileTlsTest {

    private static final TestPki.Ca CA = TestPki.ca("config-file-test-ca");
    private static final TestPki.Issued SERVER = CA.server("greeter.example.com").issue();
    private static final String BALANCER = """
            apiVersion: grpcbalancer.dev/v1alpha1
            kind: GrpcBalancer
            metadata: {name: greeter}
            spec:
              listener:
                port: 8443
                tls:
                  certificateRefs: [{name: greeter-tls}]
              staticEndpoints: ["10.0.0.1:50051"]
            """;

    @TempDir
    Path directory;

    @Test
    void listenerCertificateComesFromASecretDocumentOfTheSameFile() {
        RoutingSnapshot snapshot = valid(BALANCER + "---\n" + tlsSecret("greeter-tls", SERVER.chainPem(),
                SERVER.keyPem(TestPki.KeyFormat.TRADITIONAL)));

        BalancerConfig greeter = snapshot.balancers().get(0);
        assertThat(greeter.listenerTls().certificates()).singleElement().satisfies(certificate -> {
            assertThat(certificate.source()).isEqualTo("Secret greeter-tls (document 2)");
            assertThat(certificate.serverNames()).containsExactly("greeter.example.com");
            assertThat(certificate.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        });
    }

    @Test
    void mutualTlsAndBackendTlsReadConfigMapsSecretsWithStringDataAndDirectories() throws IOException {
        Path clients = Files.createDirectories(directory.resolve("clients"));
        Files.writeString(clients.resolve("ca.crt"), CA.certificatePem());
        TestPki.Issued client = CA.client("balancer").issue();
        String text = """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata: {name: greeter, namespace: shop}
                spec:
                  listener:
                    port: 8443
                    tls:
                      certificateRefs: [{name: greeter-tls}]
                      clientValidation:
                        caCertificateRefs: [{kind: Directory, name: %s}]
                        mode: AllowMissing
                  staticEndpoints: ["10.0.0.1:50051"]
                  backendTLS:
                    caCertificateRefs: [{kind: ConfigMap, name: backend-ca}]
                    hostname: greeter.shop.svc
                    clientCertificateRef: {name: balancer-client}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: backend-ca, namespace: shop}
                data:
                  ca.crt: |
                %s---
                apiVersion: v1
                kind: Secret
                metadata: {name: balancer-client, namespace: shop}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: |
                %s  tls.key: |
                %s""".formatted(clients, indent(CA.certificatePem()), indent(client.chainPem()), indent(client.keyPem()))
                + "---\n" + tlsSecret("greeter-tls", SERVER.chainPem(), SERVER.keyPem()).replace("name: greeter-tls}",
                        "name: greeter-tls, namespace: shop}");

        ConfigLoad load = ConfigFile.parse("balancers.yaml", bytes(text));

        assertThat(load.problems()).isEmpty();
        BalancerConfig greeter = load.snapshot().balancers().get(0);
        assertThat(greeter.listenerTls().clientValidation().required()).isFalse();
        assertThat(greeter.listenerTls().clientValidation().trusted()).singleElement()
                .satisfies(ca -> assertThat(ca.source()).isEqualTo("Directory " + clients));
        assertThat(greeter.backendTls().trusted()).singleElement()
                .satisfies(ca -> assertThat(ca.source()).isEqualTo("ConfigMap backend-ca (document 2)"));
        assertThat(greeter.backendTls().clientCertificate().source()).isEqualTo("Secret balancer-client (document 3)");
        assertThat(load.directories()).containsExactly(clients);
    }

    @Test
    void everyBadCertificateInputIsNamedByFileDocumentAndField() {
        TestPki.Issued other = CA.server("other.example.com").issue();
        TestPki.Issued expired = CA.server("greeter.example.com")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1))).issue();
        String text = balancerWith("a", 8443, "{name: missing-tls}") + "---\n"
                + balancerWith("b", 8444, "{name: mismatched-tls}") + "---\n"
                + balancerWith("c", 8445, "{name: malformed-tls}") + "---\n"
                + balancerWith("d", 8446, "{name: expired-tls}") + "---\n"
                + tlsSecret("mismatched-tls", SERVER.chainPem(), other.keyPem()) + "---\n"
                + tlsSecret("malformed-tls", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                        SERVER.keyPem()) + "---\n"
                + tlsSecret("expired-tls", expired.chainPem(), expired.keyPem());

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/a): spec.listener.tls.certificateRefs[0]: Secret missing-tls: no"
                        + " Secret document named missing-tls in namespace default in balancers.yaml",
                "balancers.yaml: document 2 (default/b): spec.listener.tls.certificateRefs[0]: Secret mismatched-tls"
                        + " (document 5): tls.key does not match the certificate in tls.crt",
                "balancers.yaml: document 3 (default/c): spec.listener.tls.certificateRefs[0]: Secret malformed-tls"
                        + " (document 6): tls.crt: certificate 1 is malformed (" + malformedReason() + ")",
                "balancers.yaml: document 4 (default/d): spec.listener.tls.certificateRefs[0]: Secret expired-tls"
                        + " (document 7): the certificate in tls.crt expired at "
                        + expired.certificate().getNotAfter().toInstant());
    }

    @Test
    void caBundleWithoutACertificateAndAMissingDirectoryAreProblems() {
        String text = """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata: {name: greeter}
                spec:
                  listener:
                    port: 8443
                    tls:
                      certificateRefs: [{kind: Directory, name: %s}]
                      clientValidation:
                        caCertificateRefs: [{kind: ConfigMap, name: clients-ca}]
                  staticEndpoints: ["10.0.0.1:50051"]
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: clients-ca}
                data: {ca.crt: "not a certificate"}
                """.formatted(directory.resolve("nowhere"));

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.listener.tls.certificateRefs[0]: Directory "
                        + directory.resolve("nowhere") + ": no such directory",
                "balancers.yaml: document 1 (default/greeter): spec.listener.tls.clientValidation.caCertificateRefs[0]:"
                        + " ConfigMap clients-ca (document 2): ca.crt: no PEM certificate found (expected BEGIN CERTIFICATE)");
    }

    @Test
    void keyDocumentsAreCheckedForTheirOwnMistakes() {
        String text = BALANCER + "---\n" + tlsSecret("greeter-tls", SERVER.chainPem(), SERVER.keyPem()) + "---\n"
                + tlsSecret("greeter-tls", SERVER.chainPem(), SERVER.keyPem()) + "---\n"
                + "apiVersion: apps/v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
                + "apiVersion: v1\nkind: Secret\nmetadata: {name: y}\ndata: {tls.crt: \"***\"}\n";

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 3 (default/greeter-tls): metadata.name: Secret greeter-tls is already defined"
                        + " by document 2",
                "balancers.yaml: document 4 (default/x): apiVersion: must be v1 for a ConfigMap, got \"apps/v1\"");
    }

    @Test
    void secretWithDataThatIsNotBase64IsAProblemOfTheReferenceNamingTheKey() {
        String text = BALANCER + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: greeter-tls}\n"
                + "data: {tls.crt: \"***\", tls.key: \"\"}\n";

        assertThat(problems(text)).containsExactly("balancers.yaml: document 1 (default/greeter):"
                + " spec.listener.tls.certificateRefs[0]: Secret greeter-tls (document 2): data.tls.crt is not valid base64");
    }

    /** What the JDK says about the DER bytes of "AAAA". */
    private static String malformedReason() {
        try {
            CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(Base64.getDecoder().decode("AAAA")));
            throw new AssertionError("AAAA parsed as a certificate");
        } catch (CertificateException e) {
            return e.getMessage().lines().findFirst().orElse("");
        }
    }

    private static String balancerWith(String name, int port, String ref) {
        return BALANCER.replace("name: greeter}", "name: " + name + "}").replace("port: 8443", "port: " + port)
                .replace("{name: greeter-tls}", ref);
    }

    /** A Secret document of type kubernetes.io/tls, its data base64 as the API server serves it. */
    static String tlsSecret(String name, String certificate, String key) {
        Base64.Encoder base64 = Base64.getEncoder();
        return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\ntype: kubernetes.io/tls\ndata:\n"
                + "  tls.crt: " + base64.encodeToString(certificate.getBytes(StandardCharsets.US_ASCII)) + "\n"
                + "  tls.key: " + base64.encodeToString(key.getBytes(StandardCharsets.US_ASCII)) + "\n";
    }

    private static String indent(String pem) {
        StringBuilder out = new StringBuilder();
        pem.lines().forEach(line -> out.append("    ").append(line).append('\n'));
        return out.toString();
    }

    private static RoutingSnapshot valid(String text) {
        ConfigLoad load = ConfigFile.parse("balancers.yaml", bytes(text));
        assertThat(load.problems()).isEmpty();
        return load.snapshot();
    }

    private static List<String> problems(String text) {
        return ConfigFile.parse("balancers.yaml", bytes(text)).problems().stream().map(ConfigProblem::toString).toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
