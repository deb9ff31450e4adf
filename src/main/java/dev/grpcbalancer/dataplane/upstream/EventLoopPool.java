package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The upstream connections of one event loop, by endpoint. Touched only on that event loop. */
final class EventLoopPool {

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final UpstreamSettings settings;
    private final Map<EndpointAddress, EndpointConnections> endpoints = new HashMap<>();

    EventLoopPool(EventLoop loop, Bootstrap bootstrap, UpstreamSettings settings) {
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.settings = settings;
    }

    void open(EndpointAddress address, PendingStream pending) {
        EndpointConnections connections = endpoints.get(address);
        if (connections == null) {
            connections = new EndpointConnections(address, loop, bootstrap, settings, () -> endpoints.remove(address));
            endpoints.put(address, connections);
        }
        connections.open(pending);
    }

    /** Drains the connections of every endpoint not in {@code live}. */
    void retain(Set<EndpointAddress> live) {
        for (EndpointConnections connections : List.copyOf(endpoints.values())) {
            if (!live.contains(connections.address())) {
                connections.drain();
            } else {
                connections.revive();
            }
        }
    }

    void closeAll() {
        for (EndpointConnections connections : List.copyOf(endpoints.values())) {
            connections.closeAll();
        }
        endpoints.clear();
    }
}
