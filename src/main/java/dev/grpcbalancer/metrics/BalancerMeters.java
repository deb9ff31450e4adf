package dev.grpcbalancer.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one balancer, tagged {@code balancer="namespace/name"}: its own gauges (client
 * connections), the {@link CallMeters} of each route (tag {@code route}: the rule's name,
 * {@code rule-N}, {@code default} for the shorthand, {@code none} for calls no rule takes) and, when
 * asked for, the {@link EndpointMeters} of each route's backends. Cardinality is bounded by the
 * configuration: never a raw path; with method meters only the services and methods that exact
 * matches name carry their own {@code grpc_service}/{@code grpc_method} (others have them empty).
 */
public final class BalancerMeters {

    /** The {@code route} of calls that no rule takes. */
    public static final String UNMATCHED = "none";

    private final MeterRegistry registry;
    private final Tags tags;
    private final boolean perEndpoint;
    private final boolean perMethod;
    private final List<Meter> meters = new ArrayList<>();
    private final ConcurrentMap<List<String>, CallMeters> calls = new ConcurrentHashMap<>();
    private final ConcurrentMap<List<String>, EndpointMeters> endpoints = new ConcurrentHashMap<>();
    /** Created when the balancer first gets a TLS listener (on the publishing thread), then read by event loops. */
    private volatile TlsHandshakeMeters handshakes;
    /** Expiry of the certificates the balancer uses; created with its first certificate. */
    private MultiGauge certificateExpiry;

    BalancerMeters(MeterRegistry registry, String balancer, boolean perEndpoint, boolean perMethod) {
        this.registry = requireNonNull(registry, "registry");
        this.tags = Tags.of("balancer", requireNonNull(balancer, "balancer"));
        this.perEndpoint = perEndpoint;
        this.perMethod = perMethod;
    }

    /** A gauge of this balancer read from {@code source} (e.g. client connections), removed with the rest. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        meters.add(Gauge.builder(name, source, value).tags(tags).description(description).register(registry));
    }

    /** The call meters of route {@code route}, created on first use. */
    public CallMeters route(String route) {
        return route(route, "", "");
    }

    /**
     * The call meters of route {@code route} for calls of {@code service}/{@code method} (names an
     * exact match gives; empty for any other); without method meters the same as {@link #route(String)}.
     */
    public CallMeters route(String route, String service, String method) {
        List<String> key = perMethod ? List.of(route, service, method) : List.of(route, "", "");
        return calls.computeIfAbsent(key, k -> {
            Tags callTags = tags.and("route", k.get(0));
            if (perMethod) {
                callTags = callTags.and("grpc_service", k.get(1), "grpc_method", k.get(2));
            }
            return new CallMeters(registry, callTags);
        });
    }

    /**
     * TLS handshakes on the balancer's listener ({@code grpcbalancer_tls_handshakes_total}), created
     * on the first call. Called when the listener's TLS is set up, from the thread that publishes.
     */
    public TlsHandshakeMeters tlsHandshakes() {
        if (handshakes == null) {
            handshakes = new TlsHandshakeMeters(registry, "grpcbalancer.tls.handshakes",
                    "TLS handshakes on the listener, by result: ok (with the version) or failed (with a reason)", tags,
                    meters::add);
        }
        return handshakes;
    }

    /**
     * Sets the expiry gauge ({@code grpcbalancer_tls_certificate_expiry_seconds}: seconds since the
     * epoch) to exactly these certificates; called from the thread that publishes.
     */
    public void certificateExpiries(List<CertificateExpiry> certificates) {
        if (certificateExpiry == null) {
            if (certificates.isEmpty()) {
                return;
            }
            certificateExpiry = MultiGauge.builder("grpcbalancer.tls.certificate.expiry").baseUnit("seconds").tags(tags)
                    .description("When each certificate the balancer uses expires, in seconds since the epoch")
                    .register(registry);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (CertificateExpiry certificate : certificates) {
            rows.add(MultiGauge.Row.of(Tags.of("certificate", certificate.source(), "use", certificate.use()),
                    certificate.epochSeconds()));
        }
        certificateExpiry.register(rows, true);
    }

    /**
     * One certificate: where it comes from ({@code Secret shop/greeter-tls}), what it is used for
     * ({@code serving}, {@code client-ca}, {@code backend-ca}, {@code backend-client}) and when it
     * expires. At most a handful per balancer: the label values stay bounded.
     */
    public record CertificateExpiry(String source, String use, long epochSeconds) {
    }

    /** Whether per-endpoint meters are kept (callers skip collecting endpoints when not). */
    public boolean perEndpoint() {
        return perEndpoint;
    }

    /** Whether calls are also counted by the service and method exact matches name. */
    public boolean perMethod() {
        return perMethod;
    }

    /** The endpoint meters of backend {@code backend} of route {@code route}; null without per-endpoint meters. */
    public EndpointMeters endpoints(String route, String backend) {
        if (!perEndpoint) {
            return null;
        }
        return endpoints.computeIfAbsent(List.of(route, backend),
                k -> new EndpointMeters(registry, tags.and("route", route, "backend", backend)));
    }

    /**
     * Drops the meters of routes not in {@code routes} (by name; {@link #UNMATCHED} is always kept)
     * and of backends not in {@code backends} (route name to backend names).
     */
    public void retain(Set<String> routes, Map<String, Set<String>> backends) {
        for (List<String> key : List.copyOf(calls.keySet())) {
            if (!key.get(0).equals(UNMATCHED) && !routes.contains(key.get(0))) {
                calls.remove(key).meters().forEach(registry::remove);
            }
        }
        for (List<String> key : List.copyOf(endpoints.keySet())) {
            if (!backends.getOrDefault(key.get(0), Set.of()).contains(key.get(1))) {
                endpoints.remove(key).remove();
            }
        }
    }

    /** Removes every meter of this balancer from the registry (the balancer is gone). */
    void remove() {
        if (certificateExpiry != null) {
            certificateExpiry.register(List.of(), true);
        }
        meters.forEach(registry::remove);
        calls.values().forEach(c -> c.meters().forEach(registry::remove));
        calls.clear();
        endpoints.values().forEach(EndpointMeters::remove);
        endpoints.clear();
    }
}
