package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * Trusted CA certificates from one source, as PEM text (at least one certificate, checked by the
 * source).
 *
 * @param source where they came from: {@code ConfigMap shop/clients-ca}
 * @param certificatesPem one or more {@code BEGIN CERTIFICATE} blocks
 * @param notAfter when the first of them expires
 */
public record CaBundle(String source, String certificatesPem, Instant notAfter) {

    public CaBundle {
        requireNonNull(source, "source");
        requireNonNull(certificatesPem, "certificatesPem");
        requireNonNull(notAfter, "notAfter");
    }

    @Override
    public String toString() {
        return "CaBundle[" + source + ", expires " + notAfter + "]";
    }
}
