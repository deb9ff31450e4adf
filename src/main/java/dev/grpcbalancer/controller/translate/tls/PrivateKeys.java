package dev.grpcbalancer.controller.translate.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an unencrypted RSA or EC private key in any of the encodings Kubernetes tooling writes:
 * PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, cert-manager's default
 * for RSA) and SEC1 ({@code BEGIN EC PRIVATE KEY}, openssl's for EC; a preceding
 * {@code EC PARAMETERS} block is skipped). PKCS#1 and SEC1 are wrapped into PKCS#8, which the data
 * plane and both TLS providers read.
 */
final class PrivateKeys {

    /** A key and its PKCS#8 encoding. */
    record Parsed(PrivateKey key, byte[] pkcs8) {
    }

    private static final byte[] RSA_ALGORITHM = Der.encode(Der.SEQUENCE,
            Der.encode(Der.OBJECT_IDENTIFIER, bytes(0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01)), // rsaEncryption
            Der.encode(Der.NULL));
    private static final byte[] EC_PUBLIC_KEY_OID =
            Der.encode(Der.OBJECT_IDENTIFIER, bytes(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01)); // id-ecPublicKey
    private static final byte[] VERSION_0 = Der.encode(Der.INTEGER, new byte[] {0});

    private PrivateKeys() {
    }

    /**
     * The one private key in {@code pem}.
     *
     * @param publicKey the certificate's public key: names the curve of a SEC1 key that does not
     *     (BouncyCastle writes such keys), or {@code null}
     * @throws IllegalArgumentException saying what is wrong, in words for users
     */
    static Parsed parse(String pem, PublicKey publicKey) {
        List<Pem.Block> keys = new ArrayList<>();
        for (Pem.Block block : Pem.blocks(pem)) {
            if (block.label().endsWith("PRIVATE KEY")) {
                keys.add(block);
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no PEM private key found (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
                    + " or BEGIN EC PRIVATE KEY)");
        }
        if (keys.size() > 1) {
            throw new IllegalArgumentException(keys.size() + " private keys found, expected one");
        }
        Pem.Block block = keys.get(0);
        if (block.encryptedHeaders() || block.label().equals("ENCRYPTED PRIVATE KEY")) {
            throw new IllegalArgumentException("the private key is encrypted; give it unencrypted");
        }
        byte[] pkcs8;
        try {
            pkcs8 = switch (block.label()) {
                case "PRIVATE KEY" -> block.der();
                case "RSA PRIVATE KEY" -> Der.encode(Der.SEQUENCE, VERSION_0, RSA_ALGORITHM,
                        Der.encode(Der.OCTET_STRING, checkedPkcs1(block.der())));
                case "EC PRIVATE KEY" -> fromSec1(block.der(), publicKey);
                default -> throw new IllegalArgumentException("unsupported private key type " + block.label());
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed " + block.label() + ": " + e.getMessage());
        }
        return new Parsed(generate(pkcs8, block.label()), pkcs8);
    }

    /** {@code pkcs8} as PEM ({@code BEGIN PRIVATE KEY}). */
    static String pem(byte[] pkcs8) {
        return Pem.encode("PRIVATE KEY", pkcs8);
    }

    private static byte[] checkedPkcs1(byte[] der) {
        List<Der.Element> fields = Der.sequence(der);
        if (fields.size() < 9 || fields.stream().limit(9).anyMatch(f -> f.tag() != Der.INTEGER)) {
            throw new IllegalArgumentException("not a PKCS#1 RSAPrivateKey");
        }
        return der;
    }

    /**
     * SEC1 {@code ECPrivateKey ::= SEQUENCE {version 1, privateKey OCTET STRING, [0] parameters,
     * [1] publicKey}} into PKCS#8, with the named curve of {@code [0]} moved into the algorithm
     * identifier (RFC 5915, 5208).
     */
    private static byte[] fromSec1(byte[] der, PublicKey certificateKey) {
        List<Der.Element> fields = Der.sequence(der);
        if (fields.size() < 2 || fields.get(0).tag() != Der.INTEGER || fields.get(1).tag() != Der.OCTET_STRING) {
            throw new IllegalArgumentException("not a SEC1 ECPrivateKey");
        }
        byte[] curve = null;
        byte[] publicKey = null;
        for (Der.Element field : fields.subList(2, fields.size())) {
            if (field.tag() == Der.CONTEXT_0) {
                Der.Element parameters = Der.element(field.content());
                if (parameters.tag() != Der.OBJECT_IDENTIFIER) {
                    throw new IllegalArgumentException("only named curves are supported");
                }
                curve = parameters.encoded();
            } else if (field.tag() == Der.CONTEXT_1) {
                publicKey = field.encoded();
            }
        }
        if (curve == null) {
            curve = curveOf(certificateKey);
        }
        if (curve == null) {
            throw new IllegalArgumentException("the key does not name its curve");
        }
        byte[] inner = publicKey == null
                ? Der.encode(Der.SEQUENCE, fields.get(0).encoded(), fields.get(1).encoded())
                : Der.encode(Der.SEQUENCE, fields.get(0).encoded(), fields.get(1).encoded(), publicKey);
        return Der.encode(Der.SEQUENCE, VERSION_0, Der.encode(Der.SEQUENCE, EC_PUBLIC_KEY_OID, curve),
                Der.encode(Der.OCTET_STRING, inner));
    }

    /** The named-curve OID of an EC public key (its SubjectPublicKeyInfo's algorithm parameters), or null. */
    private static byte[] curveOf(PublicKey publicKey) {
        if (publicKey == null || !publicKey.getAlgorithm().equals("EC")) {
            return null;
        }
        try {
            List<Der.Element> algorithm = Der.sequence(Der.sequence(publicKey.getEncoded()).get(0).encoded());
            return algorithm.size() == 2 && algorithm.get(1).tag() == Der.OBJECT_IDENTIFIER ? algorithm.get(1).encoded() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static PrivateKey generate(byte[] pkcs8, String label) {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | RuntimeException notThisOne) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the " + label + " block is not an RSA or EC (ECDSA) private key");
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
