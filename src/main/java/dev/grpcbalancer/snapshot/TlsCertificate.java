package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * A certificate chain and its private key, checked by the source that built the snapshot (the
 * key matches the leaf certificate, which was valid when checked). PEM text, so that snapshots
 * compare by value and an unchanged certificate never rebuilds a TLS context.
 *
 * @param source where it came from, for logs and meters: {@code Secret shop/greeter-tls},
 *     {@code Directory /etc/grpc-balancer/tls}
 * @param certificateChainPem the leaf certificate first, then its intermediates
 * @param privateKeyPem the leaf's private key as PKCS#8 ({@code BEGIN PRIVATE KEY}); sources
 *     convert PKCS#1 and SEC1 keys
 * @param serverNames the DNS names the leaf certificate is for (its subject alternative names),
 *     lowercase, wildcards as {@code *.example.com}; SNI chooses among a listener's certificates
 *     by these
 * @param notAfter when the leaf certificate expires
 */
public record TlsCertificate(String source, String certificateChainPem, String privateKeyPem, List<String> serverNames,
        Instant notAfter) {

    public TlsCertificate {
        requireNonNull(source, "source");
        requireNonNull(certificateChainPem, "certificateChainPem");
        requireNonNull(privateKeyPem, "privateKeyPem");
        serverNames = List.copyOf(requireNonNull(serverNames, "serverNames"));
        requireNonNull(notAfter, "notAfter");
    }

    /** Never prints the key: snapshots and configs end up in log lines and exception messages. */
    @Override
    public String toString() {
        return "TlsCertificate[" + source + ", names " + serverNames + ", expires " + notAfter + "]";
    }
}
