package dev.grpcbalancer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The per-endpoint meters of one backend (endpoint set) of a route, tagged {@code balancer},
 * {@code route}, {@code backend} and {@code endpoint} (kept only with per-endpoint meters: many
 * series where pods come and go): per endpoint, attempts sent, attempts ended by the gRPC code they
 * ended with, attempt durations, calls in flight, availability and ejections, so a bad pod stands
 * out. Attempts are counted from any event loop without a lock.
 */
public final class EndpointMeters {

    private final MeterRegistry registry;
    private final Tags tags;
    /** Per endpoint label: its meters; written by the data plane's publish, read by event loops. */
    private final ConcurrentMap<String, Endpoint> byName = new ConcurrentHashMap<>();
    /** The same, keyed by the endpoint object itself: no label string per call. */
    private final ConcurrentMap<Object, Endpoint> byKey = new ConcurrentHashMap<>();

    EndpointMeters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    /**
     * The meters of {@code endpoint}, an object equal to one passed to {@link #endpoints}; null for
     * an endpoint not (or no longer) listed.
     */
    public Endpoint endpoint(Object endpoint) {
        return byKey.get(endpoint);
    }

    /**
     * Makes the meters match {@code endpoints} (labelled with their {@code toString()}): attempts,
     * their outcomes and durations, calls in flight, whether the endpoint takes calls (healthy and
     * not ejected) and its ejections so far, the last three read through the given functions.
     * Meters of endpoints no longer listed are removed.
     */
    public <E> void endpoints(List<E> endpoints, ToDoubleFunction<E> inFlight, ToDoubleFunction<E> available,
            ToDoubleFunction<E> ejections) {
        List<String> names = new ArrayList<>();
        for (E endpoint : endpoints) {
            String name = endpoint.toString();
            names.add(name);
            byName.computeIfAbsent(name, e -> {
                Tags endpointTags = tags.and("endpoint", e);
                Endpoint meters = new Endpoint(registry, endpointTags, endpoint, List.of(
                        Gauge.builder("grpcbalancer.endpoint.calls.active", endpoint, inFlight)
                                .tags(endpointTags).description("Calls in flight on the endpoint").register(registry),
                        Gauge.builder("grpcbalancer.endpoint.available", endpoint, available)
                                .tags(endpointTags).description("1 when the endpoint takes calls (healthy, not ejected)")
                                .register(registry),
                        FunctionCounter.builder("grpcbalancer.endpoint.ejections", endpoint, ejections)
                                .tags(endpointTags).description("Times outlier detection ejected the endpoint")
                                .register(registry)));
                byKey.put(endpoint, meters);
                return meters;
            });
        }
        for (String gone : List.copyOf(byName.keySet())) {
            if (!names.contains(gone)) {
                Endpoint meters = byName.remove(gone);
                byKey.remove(meters.key);
                meters.remove();
            }
        }
    }

    void remove() {
        byName.values().forEach(Endpoint::remove);
        byName.clear();
        byKey.clear();
    }

    /**
     * The meters of one endpoint: attempts sent to it, attempts ended by the gRPC code they ended
     * with (the backend's status, or the code the proxy gave a reset, a lost connection, a per-try
     * timeout, a cancelled hedge), and the attempts' durations. A code's counter is registered the
     * first time it occurs.
     */
    public static final class Endpoint {

        private final MeterRegistry registry;
        private final Tags tags;
        /** The endpoint object: Micrometer holds function-based meters' state weakly, this keeps it alive. */
        private final Object key;
        private final List<Meter> fixed;
        private final Counter attempts;
        private final Counter[] ended = new Counter[CallMeters.CODES.length];
        private final Timer duration;
        private volatile boolean removed;

        private Endpoint(MeterRegistry registry, Tags tags, Object key, List<Meter> gauges) {
            this.registry = registry;
            this.tags = tags;
            this.key = key;
            this.attempts = Counter.builder("grpcbalancer.endpoint.attempts").tags(tags)
                    .description("Attempts sent to the endpoint").register(registry);
            this.duration = Timer.builder("grpcbalancer.endpoint.attempt.duration").tags(tags)
                    .description("From an attempt's start to its end (its response's end, or its failure)")
                    .serviceLevelObjectives(CallMeters.DURATION_BUCKETS).register(registry);
            List<Meter> all = new ArrayList<>(gauges);
            all.add(attempts);
            all.add(duration);
            this.fixed = List.copyOf(all);
        }

        public void attemptStarted() {
            attempts.increment();
        }

        /** An attempt ended with {@code grpcCode} (an unknown code counts as UNKNOWN) after {@code nanos}. */
        public void attemptEnded(int grpcCode, long nanos) {
            int code = grpcCode >= 0 && grpcCode < CallMeters.CODES.length ? grpcCode : 2;
            Counter counter = ended[code];
            if (counter == null) {
                if (removed) {
                    return; // the endpoint left its backend while this attempt ran
                }
                counter = Counter.builder("grpcbalancer.endpoint.attempts.ended").tags(tags)
                        .tag("grpc_code", CallMeters.CODES[code])
                        .description("Attempts that ended, by the gRPC code they ended with").register(registry);
                ended[code] = counter; // racing event loops store the same registered counter
            }
            counter.increment();
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }

        private void remove() {
            removed = true;
            fixed.forEach(registry::remove);
            for (Counter counter : ended) {
                if (counter != null) {
                    registry.remove(counter);
                }
            }
        }
    }
}
