package dev.grpcbalancer.standalone;

/**
 * Counts the times a watched folder woke the watcher about files other than the config file, in
 * windows of one second, and says when a window passed the limit. Confined to the watch thread.
 */
final class BusyDirectory {

    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int limit;
    private long windowStart;
    private int count;
    private boolean started;

    BusyDirectory(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** A wake-up about other files at {@code nanos}: true when this one exceeds the limit of its window. */
    boolean irrelevantWakeup(long nanos) {
        if (!started || nanos - windowStart >= WINDOW_NANOS) {
            started = true;
            windowStart = nanos;
            count = 0;
        }
        return ++count > limit;
    }
}
