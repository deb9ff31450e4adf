package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.Map;

/**
 * What readers on any thread see of the data plane's listeners: the applied snapshot and each
 * listener, in snapshot order, with whether it is bound or why binding failed. {@link ListenerSet}
 * (the owner) replaces it as a whole after every change; it is never changed.
 *
 * @param closed the data plane is shutting down
 * @param states each listener as the controller reads it; the same map instance (and the same
 *     {@link ListenerState}s) until a listener comes, goes, binds or fails to
 */
record ListenersView(boolean closed, RoutingSnapshot snapshot, Map<BalancerId, ListenerView> listeners,
        Map<BalancerId, ListenerState> states) {

    static final ListenersView EMPTY = new ListenersView(false, RoutingSnapshot.EMPTY, Map.of(), Map.of());

    /** This view with {@code applied} as its snapshot and the same listeners (none came, went or bound). */
    ListenersView withSnapshot(RoutingSnapshot applied) {
        return new ListenersView(closed, applied, listeners, states);
    }

    boolean isReady() {
        return !closed && listeners.values().stream().allMatch(ListenerView::bound);
    }

    int clientConnections(BalancerId id) {
        ListenerView listener = listeners.get(id);
        return listener == null ? 0 : listener.listener().connectionCount();
    }

    /**
     * Whether {@code address} takes new calls of balancer {@code id}, in every backend of every
     * route that has it; false for an unknown balancer or endpoint.
     */
    boolean isAvailable(BalancerId id, EndpointAddress address) {
        ListenerView listener = listeners.get(id);
        if (listener == null) {
            return false;
        }
        boolean found = false;
        for (RouteRuntime route : listener.listener().runtime().routes()) {
            for (int i = 0; i < route.balancers().size(); i++) {
                if (route.route().backends().get(i).endpoints().endpoints().stream()
                        .anyMatch(e -> e.address().equals(address))) {
                    if (!route.balancers().get(i).isAvailable(address)) {
                        return false;
                    }
                    found = true;
                }
            }
        }
        return found;
    }

    /**
     * Attempts balancer {@code id} sent to endpoints of this replica's zone and of others, over every
     * backend of every route (each backend's count carries over while the backend stays).
     */
    LoadBalancer.LocalityCalls localityCalls(BalancerId id) {
        ListenerView listener = listeners.get(id);
        long same = 0;
        long other = 0;
        if (listener != null) {
            for (RouteRuntime route : listener.listener().runtime().routes()) {
                for (LoadBalancer balancer : route.balancers()) {
                    LoadBalancer.LocalityCalls calls = balancer.localityCalls();
                    same += calls.sameZone();
                    other += calls.otherZone();
                }
            }
        }
        return new LoadBalancer.LocalityCalls(same, other);
    }

    /** What a per-endpoint gauge reads of an endpoint of one backend of one route; 0 when gone. */
    double probe(BalancerId id, String route, String backend, EndpointAddress address, Probe probe) {
        ListenerView listener = listeners.get(id);
        LoadBalancer balancer = listener == null ? null : listener.listener().runtime().balancer(route, backend);
        if (balancer == null) {
            return 0;
        }
        return switch (probe) {
            case IN_FLIGHT -> balancer.inFlight(address);
            case AVAILABLE -> balancer.isAvailable(address) ? 1 : 0;
            case EJECTIONS -> balancer.status(address).ejections();
        };
    }

    /** One listener as readers see it: bound, or why binding failed. */
    record ListenerView(Listener listener, boolean bound, String bindError) {}

    /** What a per-endpoint gauge reads. */
    enum Probe { IN_FLIGHT, AVAILABLE, EJECTIONS }
}
