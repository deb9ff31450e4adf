package dev.grpcbalancer.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one balancer, tagged {@code balancer="namespace/name"}: calls started, finished
 * by {@code grpc_code}, their duration, calls active, retries and bytes each way. Cardinality is
 * bounded: one set per balancer, 17 gRPC codes. Every method is safe from any event loop and
 * takes no lock (Micrometer counters are striped adders).
 */
public final class BalancerMeters {

    /** The gRPC status codes, 0 (OK) to 16 (UNAUTHENTICATED), as Prometheus label values. */
    private static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter started;
    private final Counter[] finished = new Counter[CODES.length];
    private final Timer duration;
    private final AtomicInteger active = new AtomicInteger();
    private final Counter retries;
    private final Counter receivedBytes;
    private final Counter sentBytes;
    private final boolean perEndpoint;
    /** Per endpoint address: its meters; written by the data plane's publish, read by event loops. */
    private final ConcurrentMap<String, EndpointEntry> endpointMeters = new ConcurrentHashMap<>();

    /**
     * An endpoint's meters and the object they read: Micrometer holds function-based meters'
     * state weakly, so this keeps it alive as long as the meters are registered.
     */
    private record EndpointEntry(Object endpoint, List<Meter> meters) {}
    /** Attempts per endpoint, keyed by the endpoint object itself: no label string per call. */
    private final ConcurrentMap<Object, Counter> endpointCalls = new ConcurrentHashMap<>();

    BalancerMeters(MeterRegistry registry, String balancer, boolean perEndpoint) {
        this.registry = requireNonNull(registry, "registry");
        this.tags = Tags.of("balancer", requireNonNull(balancer, "balancer"));
        this.perEndpoint = perEndpoint;
        started = keep(Counter.builder("grpcbalancer.calls.started").tags(tags)
                .description("Calls (HTTP/2 streams) that arrived").register(registry));
        for (int code = 0; code < CODES.length; code++) {
            finished[code] = keep(Counter.builder("grpcbalancer.calls.finished").tags(tags).tag("grpc_code", CODES[code])
                    .description("Calls that ended, by the grpc-status the client got").register(registry));
        }
        duration = keep(Timer.builder("grpcbalancer.call.duration").tags(tags)
                .description("From the request's headers to the end of the response")
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry));
        keep(Gauge.builder("grpcbalancer.calls.active", active, AtomicInteger::get).tags(tags)
                .description("Calls in flight").register(registry));
        retries = keep(Counter.builder("grpcbalancer.call.retries").tags(tags)
                .description("Attempts beyond the first").register(registry));
        receivedBytes = keep(Counter.builder("grpcbalancer.received").baseUnit("bytes").tags(tags)
                .description("DATA bytes received from clients").register(registry));
        sentBytes = keep(Counter.builder("grpcbalancer.sent").baseUnit("bytes").tags(tags)
                .description("DATA bytes sent to clients").register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    /** A gauge of this balancer read from {@code source} (e.g. client connections), removed with the rest. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        keep(Gauge.builder(name, source, value).tags(tags).description(description).register(registry));
    }

    /** A counter of this balancer tagged {@code tag=value}, read from {@code source}, removed with the rest. */
    public <T> void functionCounter(String name, String description, String tag, String value, T source,
            ToDoubleFunction<T> count) {
        keep(FunctionCounter.builder(name, source, count).tags(tags).tag(tag, value).description(description)
                .register(registry));
    }

    public void callStarted() {
        started.increment();
        active.incrementAndGet();
    }

    /** The call ended with {@code grpcCode} (an unknown code counts as UNKNOWN) after {@code nanos}. */
    public void callFinished(int grpcCode, long nanos) {
        active.decrementAndGet();
        finished[grpcCode >= 0 && grpcCode < CODES.length ? grpcCode : 2].increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void retried() {
        retries.increment();
    }

    public void received(long bytes) {
        receivedBytes.increment(bytes);
    }

    public void sent(long bytes) {
        sentBytes.increment(bytes);
    }

    /** Whether per-endpoint meters are kept (callers skip collecting endpoints when not). */
    public boolean perEndpoint() {
        return perEndpoint;
    }

    /**
     * An attempt went to {@code endpoint}, an object equal to one passed to {@link #endpoints}
     * (counted only with per-endpoint meters).
     */
    public void attempted(Object endpoint) {
        Counter calls = endpointCalls.get(endpoint);
        if (calls != null) {
            calls.increment();
        }
    }

    /**
     * Makes the per-endpoint meters match {@code endpoints} (labelled with their
     * {@code toString()}): attempts, calls in flight, whether the endpoint takes calls (healthy
     * and not ejected) and its ejections so far, the last three read through the given functions. Meters of endpoints no
     * longer listed are removed. Does nothing without per-endpoint meters.
     */
    public <E> void endpoints(List<E> endpoints, ToDoubleFunction<E> inFlight, ToDoubleFunction<E> available,
            ToDoubleFunction<E> ejections) {
        if (!perEndpoint) {
            return;
        }
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

    /** Removes every meter of this balancer from the registry (the balancer is gone). */
    void remove() {
        meters.forEach(registry::remove);
        endpointMeters.values().forEach(entry -> entry.meters().forEach(registry::remove));
        endpointMeters.clear();
        endpointCalls.clear();
    }
}
