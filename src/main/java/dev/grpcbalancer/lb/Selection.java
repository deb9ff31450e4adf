package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;

/**
 * The endpoint picked for one call. Counts as a call in flight on that endpoint until
 * {@link #finish()}; finishing twice has no further effect. Owned by the thread of its call.
 */
public final class Selection {

    private final Endpoint endpoint;
    private final EndpointLoad load;
    private boolean finished;

    Selection(Endpoint endpoint, EndpointLoad load) {
        this.endpoint = endpoint;
        this.load = load;
        load.started();
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public void finish() {
        if (!finished) {
            finished = true;
            load.finished();
        }
    }
}
