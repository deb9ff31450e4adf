package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * TLS on a balancer's listener: the certificates it serves (chosen by SNI against their names; the
 * first one when no name matches or the client sends none) and, optionally, mutual TLS.
 * {@link #PLAINTEXT} for h2c.
 */
public record ListenerTls(List<TlsCertificate> certificates, ClientValidation clientValidation) {

    /** At most this many certificates per listener. */
    public static final int MAX_CERTIFICATES = 4;

    /** No TLS: the listener speaks h2c. */
    public static final ListenerTls PLAINTEXT = new ListenerTls(List.of(), ClientValidation.NONE);

    public ListenerTls {
        certificates = List.copyOf(requireNonNull(certificates, "certificates"));
        requireNonNull(clientValidation, "clientValidation");
        if (certificates.size() > MAX_CERTIFICATES) {
            throw new IllegalArgumentException("at most " + MAX_CERTIFICATES + " certificates: " + certificates.size());
        }
        if (certificates.isEmpty() && clientValidation.enabled()) {
            throw new IllegalArgumentException("client validation needs TLS");
        }
    }

    public boolean enabled() {
        return !certificates.isEmpty();
    }

    /**
     * Mutual TLS: clients present certificates that chain to one of {@code trusted}.
     *
     * @param required true: a client without a certificate is refused; false: a certificate is
     *     verified when presented (AllowMissing)
     */
    public record ClientValidation(List<CaBundle> trusted, boolean required) {

        /** Clients are not asked for certificates. */
        public static final ClientValidation NONE = new ClientValidation(List.of(), false);

        public ClientValidation {
            trusted = List.copyOf(requireNonNull(trusted, "trusted"));
            if (trusted.isEmpty() && required) {
                throw new IllegalArgumentException("requiring client certificates needs trusted CAs");
            }
        }

        public boolean enabled() {
            return !trusted.isEmpty();
        }
    }
}
