package dev.grpcbalancer.bench;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server certificate of the TLS workloads, made once per run: self-signed, ECDSA P-256 (what
 * the handshake workload is specified with), for {@link #NAME}. Every proxy serves the same one
 * from {@code <dir>/tls}: {@code tls.crt} and {@code tls.key} (PKCS#8; the balancer's Directory
 * reference, nginx) and {@code haproxy.pem} (both in one file, as HAProxy's {@code crt} wants).
 * The client trusts exactly this certificate. The TLS backends serve it too, and the proxies
 * trust it as the backends' CA: {@code ca.crt} (a copy of {@code tls.crt}).
 */
final class BenchCertificates {

    /** The name in the certificate, sent as SNI and as {@code :authority}. */
    static final String NAME = "bench.local";

    private final X509Certificate certificate;
    private final PrivateKey key;

    private BenchCertificates(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** Makes the certificate and writes its files into {@code directory} (created). */
    static BenchCertificates write(Path directory) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + NAME);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, NAME)));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            String certificatePem = pem(certificate);
            String keyPem = pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("tls.crt"), certificatePem);
            Files.writeString(directory.resolve("tls.key"), keyPem);
            Files.writeString(directory.resolve("haproxy.pem"), certificatePem + keyPem);
            Files.writeString(directory.resolve("ca.crt"), certificatePem);
            return new BenchCertificates(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the bench certificate: " + e, e);
        }
    }

    X509Certificate certificate() {
        return certificate;
    }

    /** The TLS backends' server context (grpc-java's: ALPN h2) with this certificate. */
    SslContext backendServerContext() throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(key, certificate)).build();
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
