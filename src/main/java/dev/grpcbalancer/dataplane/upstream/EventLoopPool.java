package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The upstream connections of one event loop, by endpoint. Touched only on that event loop. */
final class EventLoopPool {

    private final EventLoop loop;
    private final UpstreamConnector connector;
    private final UpstreamSettings settings;
    private final Map<EndpointAddress, EndpointConnections> endpoints = new HashMap<>();

    EventLoopPool(EventLoop loop, UpstreamConnector connector, UpstreamSettings settings) {
        this.loop = loop;
        this.connector = connector;
        this.settings = settings;
    }

    ProxyStream open(EndpointAddress address, StreamCallback callback, Duration connectTimeout) {
        EndpointConnections connections = endpoints.get(address);
        if (connections == null) {
            connections = new EndpointConnections(address, loop, connector, settings,
                    () -> endpoints.remove(address));
            endpoints.put(address, connections);
        }
        return connections.open(callback, connectTimeout);
    }

    /** Tells {@code callback} it failed, from a task of its own (never within the caller's stack). */
    void refuse(StreamCallback callback, String reason) {
        loop.execute(() -> callback.failed(reason));
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
