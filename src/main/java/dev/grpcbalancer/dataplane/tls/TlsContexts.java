package dev.grpcbalancer.dataplane.tls;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import dev.grpcbalancer.snapshot.BackendTls;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.CaBundle;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.TlsCertificate;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the data plane's TLS contexts from snapshot TLS settings, with one provider for all of
 * them: OpenSSL (BoringSSL through netty-tcnative) where it loads, else the JDK's (or as forced).
 * Every context offers TLS 1.3 and 1.2 with the AEAD cipher suites HTTP/2 allows, ALPN {@code h2}
 * only, and keeps sessions for resumption. Contexts are built when a balancer's TLS settings
 * change, never per connection. Called from the thread that publishes snapshots.
 */
public final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final ApplicationProtocolConfig H2_ONLY = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // the only behaviours both providers support; clients without h2 are refused before
            // the engine sees them (ClientHelloHandler), backends without it after (UpstreamHandshake)
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2);
    private static final long SESSION_CACHE_SIZE = 20_000;
    private static final long SESSION_TIMEOUT_SECONDS = 3_600;

    private final SslProvider provider;
    private final TlsHandshakeMeters backendHandshakes;
    private final ConcurrentMap<BackendTls, UpstreamTls> upstream = new ConcurrentHashMap<>();

    /**
     * @throws IllegalStateException when {@code choice} is {@link TlsProvider#OPENSSL} and OpenSSL
     *     cannot be loaded here
     */
    public TlsContexts(TlsProvider choice, TlsHandshakeMeters backendHandshakes) {
        this.backendHandshakes = requireNonNull(backendHandshakes, "backendHandshakes");
        boolean openSsl = OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL);
        switch (requireNonNull(choice, "choice")) {
            case JDK -> {
                provider = SslProvider.JDK;
                log.info("TLS provider: JDK ({} forced by --tls-provider jdk)", javaTls());
            }
            case OPENSSL -> {
                if (!openSsl) {
                    throw new IllegalStateException("--tls-provider openssl, but OpenSSL cannot be loaded: "
                            + unavailability());
                }
                provider = SslProvider.OPENSSL;
                log.info("TLS provider: OpenSSL ({})", OpenSsl.versionString());
            }
            default -> {
                provider = openSsl ? SslProvider.OPENSSL : SslProvider.JDK;
                if (openSsl) {
                    log.info("TLS provider: OpenSSL ({})", OpenSsl.versionString());
                } else {
                    log.info("TLS provider: JDK ({}); OpenSSL is not available: {}", javaTls(), unavailability());
                }
            }
        }
    }

    /** {@code OPENSSL} or {@code JDK}. */
    public String providerName() {
        return provider == SslProvider.OPENSSL ? "OPENSSL" : "JDK";
    }

    /**
     * The contexts of a listener with {@code tls} (which must be enabled): one per certificate,
     * reused from {@code previous} (the listener's contexts so far, or null) for the certificates
     * it keeps, chosen per connection as {@link ListenerTls} describes. A certificate that the
     * provider refuses (the source checked it with the JDK, so this is rare) is logged; the listener
     * then refuses every handshake rather than serve without it.
     */
    public ServerTls server(BalancerId balancer, ListenerTls tls, TlsHandshakeMeters meters, ServerTls previous) {
        requireNonNull(meters, "meters");
        try {
            Map<TlsCertificate, SslContext> contexts = new HashMap<>();
            Map<String, Mapping<String, SslContext>> byHostname = new HashMap<>();
            Mapping<String, SslContext> first = null;
            Mapping<String, SslContext> anyHost = null;
            for (ListenerTls.HostCertificates host : tls.hosts()) {
                DomainWildcardMappingBuilder<SslContext> mapping = null;
                Set<String> mapped = new HashSet<>();
                for (TlsCertificate certificate : host.certificates()) {
                    SslContext context = contexts.get(certificate);
                    if (context == null) {
                        SslContext kept = previous == null ? null : previous.reusable(certificate, tls.clientValidation());
                        context = kept != null ? kept : serverContext(certificate, tls.clientValidation());
                        contexts.put(certificate, context);
                    }
                    if (mapping == null) {
                        mapping = new DomainWildcardMappingBuilder<>(context);
                    }
                    for (String name : certificate.serverNames()) {
                        if (mapped.add(name)) { // the first certificate of the group with a name serves it
                            mapping.add(name, context);
                        }
                    }
                }
                Mapping<String, SslContext> group = mapping.build();
                first = first == null ? group : first;
                if (host.hostname() == null) {
                    anyHost = group;
                } else {
                    byHostname.put(host.hostname(), group);
                }
            }
            return new ServerTls(new SniSelection<>(byHostname, anyHost != null ? anyHost : first), contexts,
                    tls.clientValidation(), null, meters);
        } catch (SSLException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            log.error("[{}] cannot load the listener's certificates into {}: {}; TLS handshakes are refused",
                    balancer, providerName(), reason);
            Mapping<String, SslContext> none = hostname -> null;
            return new ServerTls(none, Map.of(), tls.clientValidation(), reason, meters);
        }
    }

    /** The canonical {@link UpstreamTls} of {@code tls}: the same instance for equal settings. */
    public UpstreamTls upstream(BackendTls tls) {
        if (!tls.enabled()) {
            return UpstreamTls.PLAINTEXT;
        }
        return upstream.computeIfAbsent(tls, this::clientContext);
    }

    /** Forgets the client contexts of backend TLS settings no balancer uses any more. */
    public void retain(Collection<BackendTls> live) {
        upstream.keySet().retainAll(Set.copyOf(live));
    }

    private SslContext serverContext(TlsCertificate certificate, ListenerTls.ClientValidation clients) throws SSLException {
        SslContextBuilder builder = common(SslContextBuilder.forServer(stream(certificate.certificateChainPem()),
                stream(certificate.privateKeyPem())));
        if (clients.enabled()) {
            builder.trustManager(stream(concatenated(clients.trusted())))
                    .clientAuth(clients.required() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return builder.build();
    }

    private UpstreamTls clientContext(BackendTls tls) {
        try {
            SslContextBuilder builder = common(SslContextBuilder.forClient()).endpointIdentificationAlgorithm("HTTPS");
            if (!tls.systemRoots()) {
                builder.trustManager(stream(concatenated(tls.trusted())));
            }
            if (tls.clientCertificate() != null) {
                builder.keyManager(stream(tls.clientCertificate().certificateChainPem()),
                        stream(tls.clientCertificate().privateKeyPem()));
            }
            return new UpstreamTls(builder.build(), tls.hostname(), null, backendHandshakes);
        } catch (SSLException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            log.error("cannot set up TLS to backends as {} with {}: {}; connections to them fail", tls.hostname(),
                    providerName(), reason);
            return new UpstreamTls(null, tls.hostname(), reason, backendHandshakes);
        }
    }

    private SslContextBuilder common(SslContextBuilder builder) {
        return builder.sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(H2_ONLY)
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS);
    }

    private static String concatenated(List<CaBundle> bundles) {
        StringBuilder pem = new StringBuilder();
        bundles.forEach(bundle -> pem.append(bundle.certificatesPem()));
        return pem.toString();
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static String javaTls() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    private static String unavailability() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return cause == null ? "ALPN not supported" : cause.toString();
    }
}
