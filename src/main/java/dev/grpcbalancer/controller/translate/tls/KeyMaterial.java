package dev.grpcbalancer.controller.translate.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses and checks key material with the JDK alone ({@link CertificateFactory},
 * {@link java.security.KeyFactory}): a certificate chain with its private key, or a CA bundle. What
 * does not depend on the time is checked here (syntax, the key matching the certificate);
 * {@link #checkValidity} checks the dates. Failures are {@link IllegalArgumentException}s whose
 * message says, for users, which file is wrong and how.
 */
public final class KeyMaterial {

    /**
     * A certificate chain and its key, parsed.
     *
     * @param chainPem the certificates, re-encoded (leaf first)
     * @param keyPem the key as PKCS#8 PEM
     * @param serverNames the leaf's subject alternative DNS names
     */
    public record KeyPair(String chainPem, String keyPem, List<String> serverNames, Instant notBefore,
            Instant notAfter) {

        @Override
        public String toString() {
            return "KeyPair[" + serverNames + ", " + notBefore + ".." + notAfter + "]";
        }
    }

    /**
     * CA certificates, parsed.
     *
     * @param pem the certificates, re-encoded
     * @param notBefore when the last of them becomes valid
     * @param notAfter when the first of them expires
     * @param latestNotAfter when the last of them expires
     */
    public record CaBundle(String pem, Instant notBefore, Instant notAfter, Instant latestNotAfter) {
    }

    private static final byte[] PROBE = "grpc-balancer key check".getBytes(StandardCharsets.US_ASCII);
    private static final int DNS_NAME = 2;

    private KeyMaterial() {
    }

    /**
     * Parses {@code chainText} (file {@code chainFile}, e.g. {@code tls.crt}) and {@code keyText}
     * ({@code tls.key}) and checks that the key belongs to the first certificate.
     */
    public static KeyPair keyPair(String chainFile, String chainText, String keyFile, String keyText) {
        List<X509Certificate> chain = certificates(chainFile, chainText);
        X509Certificate leaf = chain.get(0);
        PrivateKeys.Parsed key;
        try {
            key = PrivateKeys.parse(keyText, leaf.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyFile + ": " + e.getMessage());
        }
        if (!matches(key.key(), leaf.getPublicKey())) {
            throw new IllegalArgumentException(keyFile + " does not match the certificate in " + chainFile);
        }
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : chain) {
            pem.append(encode(certificate));
        }
        return new KeyPair(pem.toString(), PrivateKeys.pem(key.pkcs8()), serverNames(leaf),
                leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    }

    /** Parses the CA certificates in {@code text} (file {@code file}, e.g. {@code ca.crt}). */
    public static CaBundle caBundle(String file, String text) {
        List<X509Certificate> certificates = certificates(file, text);
        StringBuilder pem = new StringBuilder();
        Instant notBefore = Instant.MIN;
        Instant notAfter = Instant.MAX;
        Instant latestNotAfter = Instant.MIN;
        for (X509Certificate certificate : certificates) {
            pem.append(encode(certificate));
            Instant from = certificate.getNotBefore().toInstant();
            Instant until = certificate.getNotAfter().toInstant();
            notBefore = from.isAfter(notBefore) ? from : notBefore;
            notAfter = until.isBefore(notAfter) ? until : notAfter;
            latestNotAfter = until.isAfter(latestNotAfter) ? until : latestNotAfter;
        }
        return new CaBundle(pem.toString(), notBefore, notAfter, latestNotAfter);
    }

    /** Checks that a certificate valid from {@code notBefore} until {@code notAfter} is valid at {@code now}. */
    public static void checkValidity(String file, Instant notBefore, Instant notAfter, Instant now) {
        if (now.isAfter(notAfter)) {
            throw new IllegalArgumentException("the certificate in " + file + " expired at " + notAfter);
        }
        if (now.isBefore(notBefore)) {
            throw new IllegalArgumentException("the certificate in " + file + " is not valid before " + notBefore);
        }
    }

    private static List<X509Certificate> certificates(String file, String text) {
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory = factory();
        for (Pem.Block block : blocks) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            try {
                Collection<? extends Certificate> parsed = factory.generateCertificates(new ByteArrayInputStream(block.der()));
                if (parsed.size() != 1) {
                    throw new CertificateException("expected one certificate per PEM block");
                }
                certificates.add((X509Certificate) parsed.iterator().next());
            } catch (CertificateException | RuntimeException e) {
                throw new IllegalArgumentException(file + ": certificate " + (certificates.size() + 1)
                        + " is malformed (" + reason(e) + ")");
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(file + ": no PEM certificate found (expected BEGIN CERTIFICATE)");
        }
        return certificates;
    }

    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAPrivateCrtKey rsa && publicKey instanceof RSAPublicKey rsaPublic) {
            return rsa.getModulus().equals(rsaPublic.getModulus())
                    && rsa.getPublicExponent().equals(rsaPublic.getPublicExponent());
        }
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. a key on another curve
        }
    }

    /**
     * The subject alternative DNS names, lowercase, in order, each once. The common name is not
     * read: clients stopped matching it (RFC 6125, Go, Chrome), so a certificate without DNS names
     * is only ever served as a listener's default.
     */
    private static List<String> serverNames(X509Certificate certificate) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && Integer.valueOf(DNS_NAME).equals(entry.get(0)) && entry.get(1) instanceof String dns) {
                        names.add(dns.toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable alternative names: served as the default only
        }
        return List.copyOf(names);
    }

    private static String encode(X509Certificate certificate) {
        try {
            return Pem.encode("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a parsed certificate cannot be encoded", e);
        }
    }

    private static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("every Java runtime has an X.509 certificate factory", e);
        }
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }
}
