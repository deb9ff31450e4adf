package dev.grpcbalancer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.ToDoubleFunction;

/**
 * The per-endpoint meters of one backend (endpoint set) of a route, tagged {@code balancer},
 * {@code route}, {@code backend} and {@code endpoint} (kept only with per-endpoint meters: many
 * series where pods come and go). Attempts are counted from any event loop without a lock.
 */
public final class EndpointMeters {

    private final MeterRegistry registry;
    private final Tags tags;
    /** Per endpoint address: its meters; written by the data plane's publish, read by event loops. */
    private final ConcurrentMap<String, EndpointEntry> endpointMeters = new ConcurrentHashMap<>();
    /** Attempts per endpoint, keyed by the endpoint object itself: no label string per call. */
    private final ConcurrentMap<Object, Counter> endpointCalls = new ConcurrentHashMap<>();

    /**
     * An endpoint's meters and the object they read: Micrometer holds function-based meters'
     * state weakly, so this keeps it alive as long as the meters are registered.
     */
    private record EndpointEntry(Object endpoint, List<Meter> meters) {}

    EndpointMeters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    /** An attempt went to {@code endpoint}, an object equal to one passed to {@link #endpoints}. */
    public void attempted(Object endpoint) {
        Counter calls = endpointCalls.get(endpoint);
        if (calls != null) {
            calls.increment();
        }
    }

    /**
     * Makes the meters match {@code endpoints} (labelled with their {@code toString()}): attempts,
     * calls in flight, whether the endpoint takes calls (healthy and not ejected) and its
     * ejections so far, the last three read through the given functions. Meters of endpoints no
     * longer listed are removed.
     */
    public <E> void endpoints(List<E> endpoints, ToDoubleFunction<E> inFlight, ToDoubleFunction<E> available,
            ToDoubleFunction<E> ejections) {
        List<String> names = new ArrayList<>();
        for (E endpoint : endpoints) {
            String name = endpoint.toString();
            names.add(name);
            endpointMeters.computeIfAbsent(name, e -> {
                Tags endpointTags = tags.and("endpoint", e);
                Counter calls = Counter.builder("grpcbalancer.endpoint.attempts").tags(endpointTags)
                        .description("Attempts sent to the endpoint").register(registry);
                endpointCalls.put(endpoint, calls);
                return new EndpointEntry(endpoint, List.of(calls,
                        Gauge.builder("grpcbalancer.endpoint.calls.active", endpoint, inFlight)
                                .tags(endpointTags).description("Calls in flight on the endpoint").register(registry),
                        Gauge.builder("grpcbalancer.endpoint.available", endpoint, available)
                                .tags(endpointTags).description("1 when the endpoint takes calls (healthy, not ejected)")
                                .register(registry),
                        FunctionCounter.builder("grpcbalancer.endpoint.ejections", endpoint, ejections)
                                .tags(endpointTags).description("Times outlier detection ejected the endpoint")
                                .register(registry)));
            });
        }
        for (String gone : List.copyOf(endpointMeters.keySet())) {
            if (!names.contains(gone)) {
                EndpointEntry entry = endpointMeters.remove(gone);
                endpointCalls.remove(entry.endpoint());
                entry.meters().forEach(registry::remove);
            }
        }
    }

    void remove() {
        endpointMeters.values().forEach(entry -> entry.meters().forEach(registry::remove));
        endpointMeters.clear();
        endpointCalls.clear();
    }
}
