package dev.grpcbalancer.testing.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates for tests, made with BouncyCastle: a CA, and server or client certificates it
 * issues, with EC P-256 (default) or RSA 2048 keys, any validity, and the keys in every PEM encoding
 * Kubernetes tooling writes.
 *
 * <pre>{@code
 * TestPki.Ca ca = TestPki.ca("test-ca");
 * TestPki.Issued server = ca.server("greeter.shop.svc").issue();
 * server.chainPem(); server.keyPem(TestPki.KeyFormat.SEC1); ca.certificatePem();
 * }</pre>
 */
public final class TestPki {

    /** PEM encodings of a private key. */
    public enum KeyFormat {
        /** {@code BEGIN PRIVATE KEY}. */
        PKCS8,
        /**
         * {@code BEGIN RSA PRIVATE KEY} (PKCS#1) or {@code BEGIN EC PRIVATE KEY} (SEC1 with the named
         * curve), as openssl and cert-manager write them.
         */
        TRADITIONAL,
        /** {@code BEGIN EC PRIVATE KEY} without the curve, as BouncyCastle writes it (EC keys only). */
        SEC1_WITHOUT_CURVE
    }

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    /** A self-signed CA, valid from an hour ago for ten years. */
    public static Ca ca(String name) {
        KeyPair keys = ec();
        Instant now = Instant.now();
        X509Certificate certificate = sign(new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(3650))), new X500Name("CN=" + name), keys.getPublic()),
                keys.getPrivate(), true, null, null);
        return new Ca(certificate, keys);
    }

    /** A new EC P-256 key pair. */
    static KeyPair ec() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey, boolean ca,
            List<String> dnsNames, KeyPurposeId purpose) {
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (dnsNames != null && !dnsNames.isEmpty()) {
                GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            if (purpose != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            String algorithm = issuerKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof PrivateKey key ? new JcaMiscPEMGenerator(key) : object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A certificate authority. */
    public static final class Ca {
        private final X509Certificate certificate;
        private final KeyPair keys;

        private Ca(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public String certificatePem() {
            return pem(certificate);
        }

        /** A server certificate for {@code dnsNames} (the first is also its common name). */
        public Request server(String... dnsNames) {
            return new Request(this, List.of(dnsNames), KeyPurposeId.id_kp_serverAuth);
        }

        /** A client certificate with common name {@code name}. */
        public Request client(String name) {
            return new Request(this, List.of(name), KeyPurposeId.id_kp_clientAuth);
        }
    }

    /** What a certificate to issue looks like; defaults: EC P-256, valid from an hour ago for a year. */
    public static final class Request {
        private final Ca ca;
        private final List<String> names;
        private final KeyPurposeId purpose;
        private boolean rsa;
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(365));

        private Request(Ca ca, List<String> names, KeyPurposeId purpose) {
            this.ca = ca;
            this.names = names;
            this.purpose = purpose;
        }

        /** An RSA 2048 key instead of EC P-256. */
        public Request rsa() {
            this.rsa = true;
            return this;
        }

        public Request validity(Instant from, Instant until) {
            this.notBefore = requireNonNull(from, "from");
            this.notAfter = requireNonNull(until, "until");
            return this;
        }

        public Issued issue() {
            KeyPair keys = rsa ? TestPki.rsa() : ec();
            BigInteger serial = BigInteger.valueOf(SERIALS.incrementAndGet());
            X509Certificate certificate = sign(new JcaX509v3CertificateBuilder(ca.certificate, serial,
                    Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + names.get(0)), keys.getPublic()),
                    ca.keys.getPrivate(), false, purpose == KeyPurposeId.id_kp_serverAuth ? names : List.of(), purpose);
            return new Issued(certificate, keys.getPrivate(), ca.certificate);
        }
    }

    /** An issued certificate with its key. */
    public record Issued(X509Certificate certificate, PrivateKey privateKey, X509Certificate issuer) {

        public BigInteger serial() {
            return certificate.getSerialNumber();
        }

        /** The certificate alone, as a {@code tls.crt} of a leaf signed directly by the CA holds it. */
        public String chainPem() {
            return pem(certificate);
        }

        /** The private key in {@code format}. */
        public String keyPem(KeyFormat format) {
            if (format == KeyFormat.SEC1_WITHOUT_CURVE) {
                return pem(privateKey);
            }
            if (format == KeyFormat.TRADITIONAL) {
                if (privateKey instanceof ECPrivateKey ec) {
                    // SEC1 with the curve, as openssl and Go's x509.MarshalECPrivateKey (cert-manager) write it
                    try {
                        PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.getEncoded());
                        org.bouncycastle.asn1.sec.ECPrivateKey inner =
                                org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
                        return pem(new PemObject("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                                inner.getKey(), inner.getPublicKey(), curve).getEncoded()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return pem(privateKey);
            }
            try {
                return pem(new JcaPKCS8Generator(privateKey, null).generate());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** PKCS#8. */
        public String keyPem() {
            return keyPem(KeyFormat.PKCS8);
        }

        /** The certificate chain as an array for TLS libraries: the leaf only. */
        public X509Certificate[] chain() {
            return new X509Certificate[] {certificate};
        }

        @Override
        public String toString() {
            return "Issued[" + certificate.getSubjectX500Principal() + ", serial " + serial() + "]";
        }
    }
}
