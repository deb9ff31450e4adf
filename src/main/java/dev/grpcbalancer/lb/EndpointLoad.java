package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.OutlierDetection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls in flight on one endpoint, its health and its latency estimate, shared by all event loops
 * and carried across load balancer rebuilds. Reads on the pick path are plain volatile reads;
 * ejection decisions, which are rare, are made under the owning balancer's lock. Every change of
 * availability (ejected, ejection over, health verdict) bumps the shared {@link AtomicInteger
 * health version}, so that decisions over many endpoints (zone-aware routing) know when to look
 * again.
 */
final class EndpointLoad {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger healthVersion;
    private final LatencyEstimate latency = new LatencyEstimate();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** {@code System.nanoTime()} at which the current ejection ends; 0 when not ejected. */
    private volatile long ejectedUntil;
    /** Set by active health checks. */
    private volatile boolean unhealthy;
    /** When the endpoint's slow start began; 0 when it is not ramping up. */
    private volatile long rampStart;
    /** Ejections so far (for operators; never decreases). */
    private volatile long ejections;
    // guarded by the owning balancer's ejection lock
    private int timesEjected;
    private long lastEjectionEnd;

    /** @param healthVersion bumped on every change of this endpoint's availability; shared by a balancer's endpoints */
    EndpointLoad(AtomicInteger healthVersion) {
        this.healthVersion = healthVersion;
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Whether new calls may go here: not ejected (an ejection past its end is lifted now) and not unhealthy. */
    boolean available(long now) {
        long until = ejectedUntil;
        if (until != 0 && now - until >= 0) {
            ejectedUntil = 0; // racing event loops write the same value
            healthVersion.incrementAndGet();
            return !unhealthy;
        }
        return until == 0 && !unhealthy;
    }

    boolean isAvailableFast() {
        return ejectedUntil == 0 && !unhealthy;
    }

    boolean isEjected(long now) {
        long until = ejectedUntil;
        return until != 0 && now - until < 0;
    }

    /** Counts a failure; returns the failures in a row so far. */
    int failed() {
        return consecutiveFailures.incrementAndGet();
    }

    void succeeded() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /**
     * Ejects the endpoint until {@code now} plus its next ejection time; each {@code interval}
     * spent without ejection since the last one ended lowers the multiplier by one. Caller holds
     * the ejection lock.
     */
    void eject(long now, OutlierDetection policy) {
        if (timesEjected > 0 && lastEjectionEnd != 0) {
            long calm = Math.max(0, now - lastEjectionEnd);
            timesEjected = (int) Math.max(0, timesEjected - calm / policy.interval().toNanos());
        }
        timesEjected++;
        ejections++; // written under the ejection lock only
        long duration = policy.ejectionTime(timesEjected).toNanos();
        lastEjectionEnd = now + duration;
        consecutiveFailures.set(0);
        long until = now + duration;
        ejectedUntil = until == 0 ? 1 : until; // 0 means not ejected
        healthVersion.incrementAndGet();
    }

    /** Sets the active health check's verdict; returns whether it changed. */
    boolean setHealthy(boolean healthy) {
        boolean changed = unhealthy == healthy;
        unhealthy = !healthy;
        if (changed) {
            healthVersion.incrementAndGet();
        }
        return changed;
    }

    boolean isHealthy() {
        return !unhealthy;
    }

    long ejections() {
        return ejections;
    }

    LatencyEstimate latency() {
        return latency;
    }

    void startRamp(long now) {
        rampStart = now == 0 ? 1 : now;
    }

    /** Share of calls the endpoint should get now, in (0, 1]; 1 when it is not ramping up. */
    double rampFactor(long now, long windowNanos) {
        long start = rampStart;
        if (start == 0) {
            return 1;
        }
        long elapsed = now - start;
        if (elapsed >= windowNanos) {
            rampStart = 0;
            return 1;
        }
        return Math.max(0.1, (double) elapsed / windowNanos);
    }

    boolean isRamping() {
        return rampStart != 0;
    }
}
