package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Reads gauges on a background thread at a fixed period and keeps the highest value of each, so
 * a test can assert that something stayed bounded for the whole of an operation:
 *
 * <pre>{@code
 * try (PeakSampler sampler = PeakSampler.every(Duration.ofMillis(2))) {
 *     sampler.track("proxy memory", ProxyMemory::usedBytes);
 *     ... run the load ...
 *     assertThat(sampler.peak("proxy memory")).isLessThan(limit);
 * }
 * }</pre>
 */
public final class PeakSampler implements AutoCloseable {

    private final ScheduledExecutorService executor;
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> peaks = new ConcurrentHashMap<>();
    private final AtomicLong rounds = new AtomicLong();

    private PeakSampler(Duration period) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "test-peak-sampler");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleAtFixedRate(this::sample, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Starts sampling every {@code period}; add gauges with {@link #track}. */
    public static PeakSampler every(Duration period) {
        return new PeakSampler(requireNonNull(period, "period"));
    }

    /** Samples {@code gauge} from now on (and once at once, so a peak is never missing). */
    public PeakSampler track(String name, LongSupplier gauge) {
        requireNonNull(gauge, "gauge");
        peaks.put(name, new AtomicLong(gauge.getAsLong()));
        gauges.put(name, gauge);
        return this;
    }

    /** The highest value {@code name} had at any sample so far. */
    public long peak(String name) {
        AtomicLong peak = peaks.get(name);
        if (peak == null) {
            throw new IllegalArgumentException("not tracked: " + name);
        }
        return peak.get();
    }

    /** Sampling rounds done so far: enough of them make a peak meaningful. */
    public long rounds() {
        return rounds.get();
    }

    private void sample() {
        gauges.forEach((name, gauge) -> peaks.get(name).accumulateAndGet(gauge.getAsLong(), Math::max));
        rounds.incrementAndGet();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
