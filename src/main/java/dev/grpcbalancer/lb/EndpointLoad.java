package dev.grpcbalancer.lb;

import java.util.concurrent.atomic.AtomicInteger;

/** Calls in flight on one endpoint, shared by all event loops and carried across rebuilds. */
final class EndpointLoad {

    private final AtomicInteger inFlight = new AtomicInteger();

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }
}
