package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's one reconcile thread. {@link #trigger} (called by informer callbacks) only
 * marks the state dirty; the thread waits {@code holdOff} so that a burst of events is handled
 * by one run, then runs the reconcile body with the time the first event of the burst arrived.
 * With no event it still runs every {@code recheck}, to pick up listener states and retry writes.
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
                if (!holdOff.isZero()) {
                    Thread.sleep(holdOff.toMillis());
                }
                synchronized (lock) {
                    dirty = false;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                body.accept(eventNanos);
            } catch (RuntimeException e) {
                // A bug in one run must not stop the controller: the next change or recheck runs again.
                failures.incrementAndGet();
                log.error("reconcile failed: {}", e.toString(), e);
            }
        }
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
