package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.tls.ServerTls;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.CaBundle;
import dev.grpcbalancer.snapshot.TlsCertificate;
import java.util.ArrayList;
import java.util.List;

/**
 * What a listener serves right now: one balancer's config, its load balancer, its retry budget,
 * its meters and its TLS contexts (listener and backends). Immutable (the budget's counters and the
 * meters aside).
 *
 * @param serverTls the listener's TLS contexts, {@code null} for h2c
 * @param upstreamTls how connections to its backends are secured
 */
record BalancerRuntime(BalancerConfig config, LoadBalancer loadBalancer, RetryBudget retryBudget, BalancerMeters meters,
        ServerTls serverTls, UpstreamTls upstreamTls) {

    /** A new config for a running balancer: load, budget and unchanged TLS state carry over, the meters stay. */
    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, TlsContexts tls) {
        return of(config, previous, previous.meters(), tls);
    }

    static BalancerRuntime of(BalancerConfig config, BalancerRuntime previous, BalancerMeters meters, TlsContexts tls) {
        LoadBalancer previousBalancer = previous == null ? null : previous.loadBalancer();
        RetryBudget budget = previous != null && previous.config().retry().equals(config.retry())
                ? previous.retryBudget()
                : new RetryBudget(config.retry().budgetPercent(), config.retry().minRetriesPerSecond(), System::nanoTime);
        boolean sameListenerTls = previous != null && previous.config().listenerTls().equals(config.listenerTls());
        ServerTls serverTls = sameListenerTls ? previous.serverTls()
                : config.listenerTls().enabled() ? tls.server(config.id(), config.listenerTls(), meters.tlsHandshakes())
                : null;
        UpstreamTls upstreamTls = tls.upstream(config.backendTls());
        if (!sameListenerTls || !previous.config().backendTls().equals(config.backendTls())) {
            meters.certificateExpiries(expiries(config));
        }
        return new BalancerRuntime(config, LoadBalancer.create(config, previousBalancer), budget, meters, serverTls,
                upstreamTls);
    }

    /** Every certificate the balancer uses, for the expiry gauge. */
    private static List<BalancerMeters.CertificateExpiry> expiries(BalancerConfig config) {
        List<BalancerMeters.CertificateExpiry> expiries = new ArrayList<>();
        for (TlsCertificate certificate : config.listenerTls().certificates()) {
            expiries.add(expiry(certificate.source(), "serving", certificate.notAfter().getEpochSecond()));
        }
        for (CaBundle ca : config.listenerTls().clientValidation().trusted()) {
            expiries.add(expiry(ca.source(), "client-ca", ca.notAfter().getEpochSecond()));
        }
        for (CaBundle ca : config.backendTls().trusted()) {
            expiries.add(expiry(ca.source(), "backend-ca", ca.notAfter().getEpochSecond()));
        }
        TlsCertificate client = config.backendTls().clientCertificate();
        if (client != null) {
            expiries.add(expiry(client.source(), "backend-client", client.notAfter().getEpochSecond()));
        }
        return expiries;
    }

    private static BalancerMeters.CertificateExpiry expiry(String source, String use, long epochSeconds) {
        return new BalancerMeters.CertificateExpiry(source, use, epochSeconds);
    }
}
