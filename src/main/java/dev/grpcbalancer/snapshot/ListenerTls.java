package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * TLS on a balancer's listener: the certificates it serves, grouped by the host names they are
 * served for, and, optionally, mutual TLS. {@link #PLAINTEXT} for h2c.
 *
 * <p>A client's SNI picks a group as the Gateway API picks a listener by its {@code hostname}: the
 * group of that exact name, else the group of the longest wildcard that matches it ({@code *.a.com}
 * takes {@code x.a.com} and {@code x.y.a.com}, never {@code a.com}), else the group for any host;
 * a client without SNI, or whose name no group takes, gets the group for any host, else the first
 * group. Within the group, the first certificate whose names match the SNI, else its first one.
 * A {@code GrpcBalancer} listener has one group, for any host ({@link #of}); a Gateway port has one
 * per HTTPS listener.
 *
 * @param hosts the groups, at most one per host name and one for any host; the first is the
 *     default of a port without a group for any host
 */
public record ListenerTls(List<HostCertificates> hosts, ClientValidation clientValidation) {

    /** At most this many distinct certificates per listener. */
    public static final int MAX_CERTIFICATES = 4;

    /** No TLS: the listener speaks h2c. */
    public static final ListenerTls PLAINTEXT = new ListenerTls(List.of(), ClientValidation.NONE);

    public ListenerTls {
        hosts = List.copyOf(requireNonNull(hosts, "hosts"));
        requireNonNull(clientValidation, "clientValidation");
        Set<String> names = new HashSet<>();
        Set<TlsCertificate> distinct = new HashSet<>();
        for (HostCertificates host : hosts) {
            if (!names.add(host.hostname() == null ? "" : host.hostname())) {
                throw new IllegalArgumentException("two certificate groups for " + (host.hostname() == null ? "any host"
                        : host.hostname()));
            }
            distinct.addAll(host.certificates());
        }
        if (distinct.size() > MAX_CERTIFICATES) {
            throw new IllegalArgumentException("at most " + MAX_CERTIFICATES + " certificates: " + distinct.size());
        }
        if (hosts.isEmpty() && clientValidation.enabled()) {
            throw new IllegalArgumentException("client validation needs TLS");
        }
    }

    /** A listener serving {@code certificates} to any host (chosen by SNI against their names). */
    public static ListenerTls of(List<TlsCertificate> certificates, ClientValidation clientValidation) {
        requireNonNull(certificates, "certificates");
        return new ListenerTls(certificates.isEmpty() ? List.of() : List.of(new HostCertificates(null, certificates)),
                clientValidation);
    }

    public boolean enabled() {
        return !hosts.isEmpty();
    }

    /** Every certificate the listener serves, each once, in group order. */
    public List<TlsCertificate> certificates() {
        Set<TlsCertificate> all = new LinkedHashSet<>();
        hosts.forEach(host -> all.addAll(host.certificates()));
        return List.copyOf(all);
    }

    /**
     * The certificates served to clients whose SNI {@code hostname} takes.
     *
     * @param hostname an exact host name or a wildcard {@code *.example.com} (stored lowercase), or
     *     {@code null} for any host
     * @param certificates one or more, chosen among by their names; the first is the group's default
     */
    public record HostCertificates(String hostname, List<TlsCertificate> certificates) {

        public HostCertificates {
            hostname = hostname == null ? null : hostname.toLowerCase(Locale.ROOT);
            certificates = List.copyOf(requireNonNull(certificates, "certificates"));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("no certificate for " + (hostname == null ? "any host" : hostname));
            }
            if (hostname != null && (hostname.isEmpty() || hostname.indexOf('*', hostname.startsWith("*.") ? 1 : 0) >= 0)) {
                throw new IllegalArgumentException("not a host name or *. wildcard: " + hostname);
            }
        }
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
