package dev.grpcbalancer.dataplane.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The upstream connections of one event loop, by endpoint and TLS settings. Touched only on that event loop. */
final class EventLoopPool {

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final UpstreamSettings settings;
    private final Map<UpstreamKey, EndpointConnections> endpoints = new HashMap<>();

    EventLoopPool(EventLoop loop, Bootstrap bootstrap, UpstreamSettings settings) {
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.settings = settings;
    }

    void open(UpstreamKey key, PendingStream pending) {
        EndpointConnections connections = endpoints.get(key);
        if (connections == null) {
            connections = new EndpointConnections(key, loop, bootstrap, settings, () -> endpoints.remove(key));
            endpoints.put(key, connections);
        }
        connections.open(pending);
    }

    /** Drains the connections of every endpoint not in {@code live}. */
    void retain(Set<UpstreamKey> live) {
        for (EndpointConnections connections : List.copyOf(endpoints.values())) {
            if (!live.contains(connections.key())) {
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
