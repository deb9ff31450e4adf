package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * TLS from a balancer to all of its backends: the backend's certificate must chain to
 * {@code trusted} (or to the JDK's well-known roots with {@code systemRoots}) and be for
 * {@code hostname}, which is also sent as SNI. {@link #PLAINTEXT} for h2c.
 *
 * @param clientCertificate presented to backends that ask for one (mutual TLS), or {@code null}
 */
public record BackendTls(List<CaBundle> trusted, boolean systemRoots, String hostname, TlsCertificate clientCertificate) {

    /** h2c to the backends. */
    public static final BackendTls PLAINTEXT = new BackendTls(List.of(), false, "", null);

    public BackendTls {
        trusted = List.copyOf(requireNonNull(trusted, "trusted"));
        requireNonNull(hostname, "hostname");
        boolean enabled = systemRoots || !trusted.isEmpty();
        if (systemRoots && !trusted.isEmpty()) {
            throw new IllegalArgumentException("trust either the system roots or the given CAs, not both");
        }
        if (enabled == hostname.isEmpty()) {
            throw new IllegalArgumentException(enabled ? "backend TLS needs a hostname" : "a hostname needs backend TLS");
        }
        if (!enabled && clientCertificate != null) {
            throw new IllegalArgumentException("a client certificate needs backend TLS");
        }
    }

    public boolean enabled() {
        return !hostname.isEmpty();
    }
}
