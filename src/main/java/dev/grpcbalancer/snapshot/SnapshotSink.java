package dev.grpcbalancer.snapshot;

/**
 * Receives routing snapshots. Implementations apply the newest snapshot and treat an unchanged
 * one as a no-op; callers never queue snapshots (only the newest matters).
 */
@FunctionalInterface
public interface SnapshotSink {

    /** Makes {@code snapshot} the routing state. Must not block for long; never throws for valid input. */
    void publish(RoutingSnapshot snapshot);
}
