package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's one reconcile thread. {@link #trigger} (called by informer callbacks) only
 * marks the state dirty; the thread runs the reconcile body with the time the first event of the
 * burst arrived. Runs start at most once per {@code holdOff}: a change after a quiet spell runs at
 * once (an EndpointSlice change reaches the data plane without waiting), while the events of a
 * burst that arrive during a run or within {@code holdOff} of its start wait until then and are
 * handled together by the next run. With no event it still runs every {@code recheck}, to pick up
 * listener states and retry writes.
 */
final class ReconcileLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);

    private final Duration holdOff;
    private final Duration recheck;
    private final LongConsumer body;
    private final Thread thread;
    private final Object lock = new Object();
    private final AtomicLong failures = new AtomicLong();
    private boolean dirty;
    private long firstEventNanos;
    private boolean closed;
    /** When the last run started; reconcile thread only. */
    private long lastRunNanos;
    private boolean ranBefore;

    /** {@code body} gets the {@link System#nanoTime} of the burst's first event (or of the recheck). */
    ReconcileLoop(Duration holdOff, Duration recheck, LongConsumer body) {
        this.holdOff = requireNonNull(holdOff, "holdOff");
        this.recheck = requireNonNull(recheck, "recheck");
        this.body = requireNonNull(body, "body");
        this.thread = new Thread(this::run, "grpc-balancer-reconcile");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs that threw (each is logged; the next change or recheck runs again). */
    long failures() {
        return failures.get();
    }

    void trigger() {
        synchronized (lock) {
            if (!dirty) {
                dirty = true;
                firstEventNanos = System.nanoTime();
            }
            lock.notifyAll();
        }
    }

    private void run() {
        while (true) {
            long eventNanos;
            try {
                synchronized (lock) {
                    if (!dirty && !closed) {
                        lock.wait(recheck.toMillis());
                    }
                    if (closed) {
                        return;
                    }
                    eventNanos = dirty ? firstEventNanos : System.nanoTime();
                }
                long wait = ranBefore ? waitNanos(System.nanoTime(), lastRunNanos, holdOff.toNanos()) : 0;
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                synchronized (lock) {
                    dirty = false;
                }
            } catch (InterruptedException e) {
                return;
            }
            lastRunNanos = System.nanoTime();
            ranBefore = true;
            try {
                body.accept(eventNanos);
            } catch (RuntimeException e) {
                // A bug in one run must not stop the controller: the next change or recheck runs again.
                failures.incrementAndGet();
                log.error("reconcile failed: {}", e.toString(), e);
            }
        }
    }

    /**
     * How long a run due at {@code nowNanos} waits: until {@code holdOffNanos} after the last run
     * started, nothing when that has passed (a quiet spell, or a run that took longer).
     */
    static long waitNanos(long nowNanos, long lastRunNanos, long holdOffNanos) {
        long since = nowNanos - lastRunNanos;
        return since >= holdOffNanos ? 0 : holdOffNanos - since;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
