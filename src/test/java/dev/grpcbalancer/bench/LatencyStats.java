package dev.grpcbalancer.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Per-call latency in microseconds, recorded wait-free from any thread (HdrHistogram
 * {@link Recorder}, 3 significant digits, up to 60 s). {@link #reset()} drops what was recorded so
 * far (end of warm-up); {@link #interval()} returns everything recorded since the last call.
 */
final class LatencyStats {
    private static final long MAX_MICROS = 60_000_000L;

    private final Recorder recorder = new Recorder(1, MAX_MICROS, 3);

    void recordNanos(long nanos) {
        long micros = Math.max(1, Math.min(MAX_MICROS, nanos / 1000));
        recorder.recordValue(micros);
    }

    void reset() {
        recorder.getIntervalHistogram();
    }

    Snapshot interval() {
        return new Snapshot(recorder.getIntervalHistogram());
    }

    /** Immutable view of one measurement window. */
    record Snapshot(Histogram histogram) {
        long count() {
            return histogram.getTotalCount();
        }

        double percentileMillis(double p) {
            return count() == 0 ? Double.NaN : histogram.getValueAtPercentile(p) / 1000.0;
        }

        double p50() {
            return percentileMillis(50);
        }

        double p99() {
            return percentileMillis(99);
        }

        double p999() {
            return percentileMillis(99.9);
        }

        double maxMillis() {
            return count() == 0 ? Double.NaN : histogram.getMaxValue() / 1000.0;
        }
    }
}
