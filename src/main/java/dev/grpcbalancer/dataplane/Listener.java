package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CompletableFuture;

/**
 * One balancer's listening port and its client connections. The balancer it serves can be swapped
 * at any time ({@link #update}); each call reads it once, when its HEADERS arrive. The server
 * channel and its binding belong to {@link ListenerSet}.
 */
final class Listener {

    private final BalancerId id;
    private final int port;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile BalancerRuntime runtime;
    private volatile boolean draining;

    Listener(BalancerId id, int port, BalancerRuntime runtime) {
        this.id = id;
        this.port = port;
        this.runtime = runtime;
    }

    BalancerRuntime runtime() {
        return runtime;
    }

    void update(BalancerRuntime newRuntime) {
        runtime = newRuntime;
    }

    int port() {
        return port;
    }

    BalancerId id() {
        return id;
    }

    /** A client connection was accepted; one accepted after draining began is closed at once. */
    void connectionOpened(Channel channel) {
        connections.add(channel);
        if (draining) {
            channel.close();
        }
    }

    int connectionCount() {
        return connections.size();
    }

    /**
     * Sends GOAWAY on every connection and lets its calls finish (the codec bounds this by the
     * drain timeout); completes when all connections are closed. Called once the listener stopped
     * accepting.
     */
    CompletableFuture<Void> drainConnections() {
        draining = true;
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connections.close().addListener(f -> closed.complete(null));
        return closed;
    }

    @Override
    public String toString() {
        return id + " (port " + port + ")";
    }
}
