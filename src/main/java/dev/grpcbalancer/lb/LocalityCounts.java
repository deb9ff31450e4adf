package dev.grpcbalancer.lb;

import java.util.concurrent.atomic.LongAdder;

/**
 * Calls sent to endpoints in the balancer's own zone and in other zones (endpoints or a balancer
 * of unknown zone are not counted). Striped counters: safe and cheap from every event loop.
 */
final class LocalityCounts {

    /** Where an endpoint is, seen from the balancer. */
    static final byte UNKNOWN = 0;
    static final byte SAME_ZONE = 1;
    static final byte OTHER_ZONE = 2;

    private final LongAdder sameZone = new LongAdder();
    private final LongAdder otherZone = new LongAdder();

    void count(byte locality) {
        if (locality == SAME_ZONE) {
            sameZone.increment();
        } else if (locality == OTHER_ZONE) {
            otherZone.increment();
        }
    }

    LoadBalancer.LocalityCalls snapshot() {
        return new LoadBalancer.LocalityCalls(sameZone.sum(), otherZone.sum());
    }

    /** {@code endpointZone} seen from a balancer in {@code localZone} (either may be empty: unknown). */
    static byte of(String localZone, String endpointZone) {
        if (localZone.isEmpty() || endpointZone.isEmpty()) {
            return UNKNOWN;
        }
        return localZone.equals(endpointZone) ? SAME_ZONE : OTHER_ZONE;
    }
}
