package dev.grpcbalancer.controller.translate.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TestPki.KeyFormat;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyMaterialTest {

    private static final TestPki.Ca CA = TestPki.ca("key-material-test-ca");

    @ParameterizedTest(name = "{0} key, {1}")
    @CsvSource({"EC, PKCS8", "EC, TRADITIONAL", "RSA, PKCS8", "RSA, TRADITIONAL"})
    void everyKeyEncodingKubernetesToolsWriteIsReadAndNormalisedToPkcs8(String algorithm, KeyFormat format)
            throws Exception {
        TestPki.Request request = CA.server("greeter.shop.svc", "*.greeter.example.com");
        TestPki.Issued issued = (algorithm.equals("RSA") ? request.rsa() : request).issue();
        String keyPem = issued.keyPem(format);
        assertThat(keyPem).startsWith(format == KeyFormat.PKCS8 ? "-----BEGIN PRIVATE KEY-----"
                : "-----BEGIN " + algorithm + " PRIVATE KEY-----");

        KeyMaterial.KeyPair pair = KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key", keyPem);

        assertThat(pair.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(pair.keyPem().replaceAll("-----[A-Z ]+-----", ""));
        assertThat(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)))
                .isEqualTo(issued.privateKey());
        assertThat(pair.serverNames()).containsExactly("greeter.shop.svc", "*.greeter.example.com");
        assertThat(pair.notAfter()).isEqualTo(issued.certificate().getNotAfter().toInstant());
        assertThat(pair.chainPem()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void sec1KeyAfterAnEcParametersBlockAsOpensslEcparamWritesItIsRead() {
        TestPki.Issued issued = CA.server("a.example.com").issue();
        String keyPem = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + issued.keyPem(KeyFormat.TRADITIONAL);

        assertThat(KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key", keyPem).keyPem())
                .startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void sec1KeyWithoutItsCurveTakesTheCurveOfTheCertificate() {
        TestPki.Issued issued = CA.server("a.example.com").issue();

        assertThat(KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key",
                issued.keyPem(KeyFormat.SEC1_WITHOUT_CURVE)).keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void keyOfAnotherCertificateIsRefused() {
        TestPki.Issued one = CA.server("one.example.com").issue();
        TestPki.Issued other = CA.server("other.example.com").issue();

        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", one.chainPem(), "tls.key", other.keyPem()))
                .hasMessage("tls.key does not match the certificate in tls.crt");
    }

    @Test
    void rsaKeyOfAnotherCertificateIsRefused() {
        TestPki.Issued one = CA.server("one.example.com").rsa().issue();
        TestPki.Issued other = CA.server("other.example.com").rsa().issue();

        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", one.chainPem(), "tls.key",
                other.keyPem(KeyFormat.TRADITIONAL))).hasMessage("tls.key does not match the certificate in tls.crt");
    }

    @Test
    void malformedPemSaysWhichFileAndWhat() {
        TestPki.Issued issued = CA.server("a.example.com").issue();

        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", "-----BEGIN CERTIFICATE-----\nnot*base64!\n"
                + "-----END CERTIFICATE-----\n", "tls.key", issued.keyPem()))
                .hasMessage("tls.crt: the CERTIFICATE block is not valid base64");
        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n"
                + "-----END CERTIFICATE-----\n", "tls.key", issued.keyPem()))
                .hasMessageStartingWith("tls.crt: certificate 1 is malformed (");
        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", "hello", "tls.key", issued.keyPem()))
                .hasMessage("tls.crt: no PEM certificate found (expected BEGIN CERTIFICATE)");
        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key", issued.chainPem()))
                .hasMessageStartingWith("tls.key: no PEM private key found");
        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key",
                "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n"))
                .hasMessage("tls.key: malformed RSA PRIVATE KEY: not a PKCS#1 RSAPrivateKey");
    }

    @Test
    void encryptedKeysAreRefusedWithAHint() {
        TestPki.Issued issued = CA.server("a.example.com").issue();
        String legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
                + "-----END RSA PRIVATE KEY-----\n";

        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key", legacy))
                .hasMessage("tls.key: the private key is encrypted; give it unencrypted");
        assertThatThrownBy(() -> KeyMaterial.keyPair("tls.crt", issued.chainPem(), "tls.key",
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
                .hasMessage("tls.key: the private key is encrypted; give it unencrypted");
    }

    @Test
    void validityIsCheckedAgainstTheGivenTime() {
        Instant now = Instant.parse("2030-06-01T00:00:00Z");

        assertThatThrownBy(() -> KeyMaterial.checkValidity("tls.crt", now.minus(Duration.ofDays(30)),
                now.minusSeconds(1), now)).hasMessage("the certificate in tls.crt expired at 2030-05-31T23:59:59Z");
        assertThatThrownBy(() -> KeyMaterial.checkValidity("tls.crt", now.plusSeconds(60), now.plus(Duration.ofDays(30)),
                now)).hasMessage("the certificate in tls.crt is not valid before 2030-06-01T00:01:00Z");
        KeyMaterial.checkValidity("tls.crt", now.minusSeconds(1), now.plusSeconds(1), now);
    }

    @Test
    void caBundleNeedsACertificateAndReportsItsEarliestExpiry() {
        TestPki.Ca other = TestPki.ca("other-ca");

        KeyMaterial.CaBundle bundle = KeyMaterial.caBundle("ca.crt", CA.certificatePem() + other.certificatePem());

        assertThat(bundle.pem()).contains("BEGIN CERTIFICATE").hasLineCount(
                CA.certificatePem().split("\n").length + other.certificatePem().split("\n").length);
        assertThat(bundle.notAfter()).isEqualTo(CA.certificate().getNotAfter().toInstant());
        assertThatThrownBy(() -> KeyMaterial.caBundle("ca.crt", "# no certificates here\n"))
                .hasMessage("ca.crt: no PEM certificate found (expected BEGIN CERTIFICATE)");
    }

    @Test
    void cacheParsesEachContentOnceAndKeepsOnlyWhatTheLastRunUsed() {
        KeyMaterialCache cache = new KeyMaterialCache();
        TestPki.Issued one = CA.server("one.example.com").issue();
        TestPki.Issued two = CA.server("two.example.com").issue();

        KeyMaterial.KeyPair first = cache.keyPair("tls.crt", one.chainPem(), "tls.key", one.keyPem());
        cache.keyPair("tls.crt", two.chainPem(), "tls.key", two.keyPem());
        assertThatThrownBy(() -> cache.caBundle("ca.crt", "nothing")).hasMessageContaining("no PEM certificate");
        cache.retainUsed();
        assertThat(cache.size()).isEqualTo(3);

        assertThat(cache.keyPair("tls.crt", one.chainPem(), "tls.key", one.keyPem())).isSameAs(first);
        cache.retainUsed();

        assertThat(cache.size()).isEqualTo(1);
    }
}
