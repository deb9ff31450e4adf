package dev.grpcbalancer.snapshot;

/** What the data plane may do with an endpoint. */
public enum EndpointState {
    /** Takes new calls. */
    READY,
    /**
     * Takes no new calls while any endpoint of its balancer is ready (it is the fallback when
     * none is); calls already in flight on it finish.
     */
    DRAINING
}
