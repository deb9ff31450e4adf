package dev.grpcbalancer.snapshot;

import java.util.Map;

/**
 * The listener side of a {@link SnapshotSink}: sources read it to report whether what they
 * published is actually served (the controller's {@code Programmed} condition).
 */
public interface ListenerStates {

    /** Per balancer of the applied snapshot, the state of its listener. */
    Map<BalancerId, ListenerState> listenerStates();

    /**
     * Runs {@code observer} whenever a listener binds or fails to bind. It runs on a data plane
     * thread, so it must only hand the news on (set a flag, signal a thread).
     */
    void onListenerChange(Runnable observer);
}
