package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The upstream connections of one event loop, by how they are secured and endpoint
 * ({@link UpstreamKey}). Touched only on that event loop. Looking a stream's endpoint up allocates
 * nothing: h2c endpoints have a map of their own, and TLS settings ({@link UpstreamTls}, canonical
 * instances) key a map of their endpoints by identity.
 */
final class EventLoopPool {

    private final EventLoop loop;
    private final UpstreamConnector connector;
    private final UpstreamSettings settings;
    private final Map<EndpointAddress, EndpointConnections> plaintext = new HashMap<>();
    private final Map<UpstreamTls, Map<EndpointAddress, EndpointConnections>> secured = new IdentityHashMap<>();

    EventLoopPool(EventLoop loop, UpstreamConnector connector, UpstreamSettings settings) {
        this.loop = loop;
        this.connector = connector;
        this.settings = settings;
    }

    ProxyStream open(EndpointAddress address, UpstreamTls tls, StreamCallback callback, Duration connectTimeout) {
        Map<EndpointAddress, EndpointConnections> endpoints = tls == UpstreamTls.PLAINTEXT ? plaintext
                : secured.computeIfAbsent(tls, t -> new HashMap<>());
        EndpointConnections connections = endpoints.get(address);
        if (connections == null) {
            UpstreamKey key = new UpstreamKey(address, tls);
            connections = new EndpointConnections(key, loop, connector, settings, () -> forget(key));
            endpoints.put(address, connections);
        }
        return connections.open(callback, connectTimeout);
    }

    private void forget(UpstreamKey key) {
        if (key.tls() == UpstreamTls.PLAINTEXT) {
            plaintext.remove(key.address());
            return;
        }
        Map<EndpointAddress, EndpointConnections> endpoints = secured.get(key.tls());
        if (endpoints != null) {
            endpoints.remove(key.address());
            if (endpoints.isEmpty()) {
                secured.remove(key.tls());
            }
        }
    }

    /** Tells {@code callback} it failed, from a task of its own (never within the caller's stack). */
    void refuse(StreamCallback callback, String reason) {
        loop.execute(() -> callback.failed(reason));
    }

    /** Drains the connections of every endpoint (with its TLS settings) not in {@code live}. */
    void retain(Set<UpstreamKey> live) {
        for (EndpointConnections connections : all()) {
            if (!live.contains(connections.key())) {
                connections.drain();
            } else {
                connections.revive();
            }
        }
    }

    void closeAll() {
        for (EndpointConnections connections : all()) {
            connections.closeAll();
        }
        plaintext.clear();
        secured.clear();
    }

    private List<EndpointConnections> all() {
        List<EndpointConnections> all = new ArrayList<>(plaintext.values());
        secured.values().forEach(endpoints -> all.addAll(endpoints.values()));
        return all;
    }
}
