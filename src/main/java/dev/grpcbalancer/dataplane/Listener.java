package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.BalancerId;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CompletableFuture;

/**
 * One balancer's listening port and its client connections. The balancer it serves can be swapped
 * at any time ({@link #update}); each call reads it once, when its HEADERS arrive.
 */
final class Listener {

    private final BalancerId id;
    private final int port;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile BalancerRuntime runtime;
    private volatile Channel serverChannel;
    private volatile String bindError;

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

    void bound(Channel channel) {
        serverChannel = channel;
        bindError = null;
    }

    void bindFailed(String error) {
        bindError = error;
    }

    boolean isBound() {
        Channel channel = serverChannel;
        return channel != null && channel.isActive();
    }

    String bindError() {
        return bindError;
    }

    void connectionOpened(Channel channel) {
        connections.add(channel);
    }

    int connectionCount() {
        return connections.size();
    }

    /** Stops accepting connections; returns when the port is free again. */
    void stopAccepting() {
        Channel channel = serverChannel;
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    /**
     * Sends GOAWAY on every connection and lets its calls finish (the codec bounds this by the
     * drain timeout); completes when all connections are closed.
     */
    CompletableFuture<Void> drainConnections() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connections.close().addListener(f -> closed.complete(null));
        return closed;
    }

    @Override
    public String toString() {
        return id + " (port " + port + ")";
    }
}
