package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The endpoint picked for one call. Counts as a call in flight on that endpoint until
 * {@link #finish()}; finishing twice has no further effect. Owned by the thread of its call.
 * {@link #succeeded()} and {@link #failed()} report the outcome to outlier detection;
 * {@link #requestSent} and {@link #responseStarted} time the response for the policies that
 * learn from latency (PeakEwma; for the others they read no clock and do nothing).
 */
public final class Selection {

    private final Endpoint endpoint;
    private final EndpointAddress address;
    private final EndpointLoad load;
    private final WeightedLoadBalancer owner;
    /** Calls in flight that a load bound counts (ConsistentHash), or null. */
    private final AtomicInteger counted;
    /** When the request headers went out, while a latency sample is being taken; 0 otherwise. */
    private long sentAt;
    private boolean finished;

    Selection(Endpoint endpoint, EndpointAddress address, EndpointLoad load, WeightedLoadBalancer owner,
            AtomicInteger counted) {
        this.endpoint = endpoint;
        this.address = address;
        this.load = load;
        this.owner = owner;
        this.counted = counted;
        load.started();
        if (counted != null) {
            counted.incrementAndGet();
        }
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The endpoint's address (the same object for every selection of it: no allocation per call). */
    public EndpointAddress address() {
        return address;
    }

    /** The load balancer (the endpoint set) that made this selection. */
    public LoadBalancer balancer() {
        return owner.front();
    }

    /**
     * The call's request headers went out to the endpoint: its response time starts now, read from
     * {@code clock} (the call engine's) when the policy learns from latency.
     */
    public void requestSent(LongSupplier clock) {
        if (owner.measuresLatency()) {
            long now = clock.getAsLong();
            sentAt = now == 0 ? 1 : now;
        }
    }

    /**
     * The endpoint's response headers arrived: a latency sample for the policy (only the first
     * call after {@link #requestSent} counts).
     */
    public void responseStarted(LongSupplier clock) {
        if (sentAt != 0) {
            long now = clock.getAsLong();
            owner.latencySample(load, now - sentAt, now);
            sentAt = 0;
        }
    }

    /** The backend answered well: its run of consecutive failures ends. */
    public void succeeded() {
        load.succeeded();
    }

    /**
     * The attempt failed in a way that counts against the backend (connect failure, reset, lost
     * connection, per-try timeout, an error status): enough in a row eject it.
     */
    public void failed() {
        owner.recordFailure(load);
    }

    public void finish() {
        if (!finished) {
            finished = true;
            load.finished();
            if (counted != null) {
                counted.decrementAndGet();
            }
        }
    }
}
