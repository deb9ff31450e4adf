package dev.grpcbalancer.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.Keepalive;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Upstream HTTP/2 connections, one pool per event loop and per endpoint. A stream is always
 * opened on the event loop of the call that asks for it, so the hot path takes no lock; the map
 * from event loop to pool is built once and never changes.
 */
public final class UpstreamPools {

    private final Map<EventExecutor, EventLoopPool> pools;

    public UpstreamPools(EventLoopGroup group, Class<? extends Channel> channelType,
            AddressResolverGroup<InetSocketAddress> resolver, UpstreamSettings settings) {
        requireNonNull(group, "group");
        requireNonNull(settings, "settings");
        Bootstrap bootstrap = new Bootstrap()
                .channel(requireNonNull(channelType, "channelType"))
                .resolver(requireNonNull(resolver, "resolver"))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis());
        Map<EventExecutor, EventLoopPool> byLoop = new HashMap<>();
        for (EventExecutor executor : group) {
            byLoop.put(executor, new EventLoopPool((EventLoop) executor, bootstrap, settings));
        }
        this.pools = Map.copyOf(byLoop);
    }

    /**
     * Opens a stream to {@code address} on {@code loop}, reusing a pooled connection with room.
     * Must be called on {@code loop}; {@code callback} is called on it, exactly once (possibly
     * before this returns). A connection opened for this stream must be set up within
     * {@code connectTimeout} ({@link Duration#ZERO}: the pool's default); connections are shared
     * by every balancer with this endpoint, so the timeout of the call that made the pool connect
     * applies.
     */
    public void openStream(EventLoop loop, EndpointAddress address, StreamCallback callback, Duration connectTimeout) {
        openStream(loop, address, callback, connectTimeout, Keepalive.DEFAULT);
    }

    /**
     * {@link #openStream(EventLoop, EndpointAddress, StreamCallback, Duration)}, where a connection
     * opened for this stream gets {@code keepalive} (like the connect timeout, the keepalive of the
     * call that made the pool connect applies).
     */
    public void openStream(EventLoop loop, EndpointAddress address, StreamCallback callback, Duration connectTimeout,
            Keepalive keepalive) {
        assert loop.inEventLoop();
        pool(loop).open(address, new PendingStream(callback, requireNonNull(connectTimeout, "connectTimeout"),
                requireNonNull(keepalive, "keepalive")));
    }

    /**
     * Keeps the connections of {@code live} endpoints; every other endpoint takes no new streams
     * and its connections close when their streams end (bounded by the drain timeout). Any thread.
     */
    public void retain(Set<EndpointAddress> live) {
        Set<EndpointAddress> copy = Set.copyOf(live);
        pools.forEach((loop, pool) -> loop.execute(() -> pool.retain(copy)));
    }

    /** Closes every upstream connection; completes when every pool has closed its own. */
    public CompletableFuture<Void> closeAll() {
        CompletableFuture<?>[] closed = pools.entrySet().stream().map(entry -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            entry.getKey().execute(() -> {
                entry.getValue().closeAll();
                done.complete(null);
            });
            return done;
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(closed);
    }

    private EventLoopPool pool(EventLoop loop) {
        EventLoopPool pool = pools.get(loop);
        if (pool == null) {
            throw new IllegalArgumentException("event loop is not of this data plane: " + loop);
        }
        return pool;
    }
}
