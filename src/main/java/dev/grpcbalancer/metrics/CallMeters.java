package dev.grpcbalancer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The call meters of one route of a balancer (tags {@code balancer}, {@code route}, and with
 * method meters {@code grpc_service}/{@code grpc_method}): calls started, finished by
 * {@code grpc_code}, their duration, calls active, retries, hedges and bytes each way. Every
 * method is safe from any event loop and takes no lock (Micrometer counters are striped adders).
 */
public final class CallMeters {

    /** The gRPC status codes, 0 (OK) to 16 (UNAUTHENTICATED), as Prometheus label values. */
    static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
    static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private final List<Meter> meters = new ArrayList<>();
    private final Counter started;
    private final Counter[] finished = new Counter[CODES.length];
    private final Timer duration;
    private final AtomicInteger active = new AtomicInteger();
    private final Counter retries;
    private final Counter hedges;
    private final Counter hedgesWon;
    private final Counter receivedBytes;
    private final Counter sentBytes;

    CallMeters(MeterRegistry registry, Tags tags) {
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
                .description("Attempts beyond the first that retried a failed one").register(registry));
        hedges = keep(Counter.builder("grpcbalancer.call.hedges").tags(tags)
                .description("Hedged attempts started (spec.hedging)").register(registry));
        hedgesWon = keep(Counter.builder("grpcbalancer.call.hedges.won").tags(tags)
                .description("Calls whose response came from a hedged attempt rather than the first").register(registry));
        receivedBytes = keep(Counter.builder("grpcbalancer.received").baseUnit("bytes").tags(tags)
                .description("DATA bytes received from clients").register(registry));
        sentBytes = keep(Counter.builder("grpcbalancer.sent").baseUnit("bytes").tags(tags)
                .description("DATA bytes sent to clients").register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
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

    public void hedged() {
        hedges.increment();
    }

    public void hedgeWon() {
        hedgesWon.increment();
    }

    public void received(long bytes) {
        receivedBytes.increment(bytes);
    }

    public void sent(long bytes) {
        sentBytes.increment(bytes);
    }

    List<Meter> meters() {
        return meters;
    }
}
