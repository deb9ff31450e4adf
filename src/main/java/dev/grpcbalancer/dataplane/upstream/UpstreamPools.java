package dev.grpcbalancer.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Upstream HTTP/2 connections, one pool per event loop and per endpoint with its TLS settings
 * ({@link UpstreamKey}): balancers share connections to an endpoint only when they secure them
 * alike. A stream is always
 * opened on the event loop of the call that asks for it, so the hot path takes no lock: each
 * loop's pool is created the first time the loop asks (a lock-free read afterwards) and touched
 * only on that loop.
 */
public final class UpstreamPools {

    private final UpstreamConnector connector;
    private final UpstreamSettings settings;
    private final ConcurrentMap<EventLoop, EventLoopPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** TCP connections (Netty's {@code channelType}) resolved by {@code resolver}. */
    public UpstreamPools(Class<? extends Channel> channelType, AddressResolverGroup<InetSocketAddress> resolver,
            UpstreamSettings settings) {
        this(new TcpConnector(channelType, resolver), settings);
    }

    /** Connections made by {@code connector} (in-memory channels in tests). */
    public UpstreamPools(UpstreamConnector connector, UpstreamSettings settings) {
        this.connector = requireNonNull(connector, "connector");
        this.settings = requireNonNull(settings, "settings");
    }

    /**
     * A stream to {@code address} on {@code loop}, on a pooled connection with room secured as
     * {@code tls} asks (its TLS handshake is part of setting a connection up). Must be
     * called on {@code loop}. Returns the stream when one could be opened now: the caller sets its
     * handler and writes its HEADERS at once, before anything else on the loop. Returns null when
     * it cannot: {@code callback} then hears later, exactly once and never before this returns,
     * whether a stream opened (a connection became ready or freed one) or failed.
     *
     * @param connectTimeout for a connection opened for this stream ({@link Duration#ZERO}: the
     *     pool's default); connections are shared by every balancer with this endpoint and TLS
     *     settings, so the timeout of the call that made the pool connect applies
     */
    public ProxyStream openStream(EventLoop loop, EndpointAddress address, UpstreamTls tls, StreamCallback callback,
            Duration connectTimeout) {
        assert loop.inEventLoop();
        requireNonNull(connectTimeout, "connectTimeout");
        EventLoopPool pool = pools.get(loop);
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, l -> new EventLoopPool(l, connector, settings));
        }
        if (closed) {
            pool.refuse(callback, "the data plane is shutting down");
            return null;
        }
        return pool.open(address, tls, callback, connectTimeout);
    }

    /**
     * Keeps the connections of {@code live} endpoints (with their TLS settings); every other one
     * takes no new streams and its connections close when their streams end (bounded by the drain
     * timeout). Any thread.
     */
    public void retain(Set<UpstreamKey> live) {
        Set<UpstreamKey> copy = Set.copyOf(live);
        pools.forEach((loop, pool) -> loop.execute(() -> pool.retain(copy)));
    }

    /** Closes every upstream connection; completes when every pool has closed its own. */
    public CompletableFuture<Void> closeAll() {
        closed = true;
        CompletableFuture<?>[] done = pools.entrySet().stream().map(entry -> {
            CompletableFuture<Void> poolClosed = new CompletableFuture<>();
            entry.getKey().execute(() -> {
                entry.getValue().closeAll();
                poolClosed.complete(null);
            });
            return poolClosed;
        }).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(done);
    }
}
