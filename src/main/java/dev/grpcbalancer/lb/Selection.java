package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;

/**
 * The endpoint picked for one call. Counts as a call in flight on that endpoint until
 * {@link #finish()}; finishing twice has no further effect. Owned by the thread of its call.
 * {@link #succeeded()} and {@link #failed()} report the outcome to outlier detection.
 */
public final class Selection {

    private final Endpoint endpoint;
    private final EndpointAddress address;
    private final EndpointLoad load;
    private final WeightedLoadBalancer owner;
    private boolean finished;

    Selection(Endpoint endpoint, EndpointAddress address, EndpointLoad load, WeightedLoadBalancer owner) {
        this.endpoint = endpoint;
        this.address = address;
        this.load = load;
        this.owner = owner;
        load.started();
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
        return owner;
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
        }
    }
}
