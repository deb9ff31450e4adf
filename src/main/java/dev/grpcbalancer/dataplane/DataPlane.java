package dev.grpcbalancer.dataplane;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.ListenerStates;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 data plane: one listener per balancer, every call (HTTP/2 stream) balanced on its
 * own over pooled upstream HTTP/2 connections.
 *
 * <p>{@link #publish} applies a routing snapshot: listeners open and close as balancers come and
 * go or change port, and changed backend sets take effect for the next call. Removed endpoints
 * take no new calls and their calls in flight finish. Publishing an equal snapshot does nothing.
 * Sources call {@code publish} from their own thread, never from an event loop.
 */
public final class DataPlane implements SnapshotSink, ListenerStates, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    private static final Duration BIND_RETRY = Duration.ofSeconds(5);

    private final DataPlaneSettings settings;
    private final DataPlaneMeters meters;
    private final Transport transport;
    private final EventLoopGroup group;
    private final DnsAddressResolverGroup resolver;
    private final UpstreamPools pools;
    private final Map<BalancerId, Listener> listeners = new LinkedHashMap<>();
    private final List<Runnable> listenerObservers = new CopyOnWriteArrayList<>();
    private final Map<BalancerId, HealthChecks> healthChecks = new LinkedHashMap<>();
    private RoutingSnapshot current = RoutingSnapshot.EMPTY;
    private boolean closed;

    /** A data plane whose meters go nowhere. */
    public DataPlane(DataPlaneSettings settings) {
        this(settings, DataPlaneMeters.discarding());
    }

    /** A data plane that records per-balancer meters ({@code grpcbalancer_calls_*} ...) in {@code meters}. */
    public DataPlane(DataPlaneSettings settings, DataPlaneMeters meters) {
        this.settings = requireNonNull(settings, "settings");
        this.meters = requireNonNull(meters, "meters");
        this.transport = Transport.best();
        this.group = transport.newGroup(settings.ioThreads(), "grpc-balancer-io");
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel()));
        this.pools = new UpstreamPools(group, transport.socketChannel(), resolver, settings.upstream());
        log.info("data plane started: {} transport, {} event loops", transport.name(), ioThreadCount());
    }

    @Override
    public synchronized void publish(RoutingSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        assertNotOnEventLoop();
        if (closed || snapshot.equals(current)) {
            return;
        }
        Map<BalancerId, BalancerConfig> next = snapshot.byId();
        List<Listener> toOpen = new ArrayList<>();
        // Close first: a balancer may take over a port another one gave up in the same snapshot.
        for (Listener listener : List.copyOf(listeners.values())) {
            BalancerConfig config = next.get(listener.id());
            if (config == null || config.listenerPort() != listener.port()) {
                listeners.remove(listener.id());
                healthChecks.remove(listener.id()).stop();
                closeListener(listener, config == null ? "removed" : "moved to port " + config.listenerPort());
            }
        }
        for (BalancerConfig config : snapshot.balancers()) {
            Listener existing = listeners.get(config.id());
            if (existing != null) {
                if (!config.equals(existing.runtime().config())) {
                    existing.update(BalancerRuntime.of(config, existing.runtime(), settings.locality()));
                    healthChecks.get(config.id()).update();
                    log.info("[{}] updated: {} endpoints ({} ready), policy {}", config.id(),
                            config.backends().endpoints().size(), config.backends().readyCount(), config.policy());
                }
            } else {
                BalancerMeters balancerMeters = meters.balancer(config.id().toString());
                Listener listener = new Listener(config.id(), config.listenerPort(),
                        BalancerRuntime.of(config, null, balancerMeters, settings.locality()));
                BalancerId id = config.id();
                balancerMeters.gauge("grpcbalancer.client.connections", "Client connections open now", this,
                        dataPlane -> dataPlane.clientConnections(id));
                if (!settings.locality().zone().isEmpty()) {
                    String description = "Calls sent to endpoints in this replica's zone (same) or another zone (other)";
                    balancerMeters.functionCounter("grpcbalancer.calls.locality", description, "locality", "same",
                            this, dataPlane -> dataPlane.localityCalls(id).sameZone());
                    balancerMeters.functionCounter("grpcbalancer.calls.locality", description, "locality", "other",
                            this, dataPlane -> dataPlane.localityCalls(id).otherZone());
                }
                listeners.put(config.id(), listener);
                HealthChecks checks = new HealthChecks(group.next(), pools, listener::runtime);
                healthChecks.put(config.id(), checks);
                checks.update();
                toOpen.add(listener);
            }
        }
        toOpen.forEach(this::bind);
        for (BalancerConfig config : snapshot.balancers()) {
            BalancerId id = config.id();
            BalancerMeters balancerMeters = listeners.get(id).runtime().meters();
            if (!balancerMeters.perEndpoint()) {
                continue;
            }
            balancerMeters.endpoints(
                    config.backends().endpoints().stream().map(Endpoint::address).toList(),
                    address -> inFlight(id, address), address -> isAvailable(id, address) ? 1 : 0,
                    address -> endpointStatus(id, address).ejections());
        }
        for (BalancerConfig gone : current.balancers()) {
            if (!next.containsKey(gone.id())) {
                meters.remove(gone.id().toString());
            }
        }
        pools.retain(endpointAddresses(snapshot));
        current = snapshot;
    }

    private static Set<EndpointAddress> endpointAddresses(RoutingSnapshot snapshot) {
        Set<EndpointAddress> live = new HashSet<>();
        for (BalancerConfig balancer : snapshot.balancers()) {
            for (Endpoint endpoint : balancer.backends().endpoints()) {
                live.add(endpoint.address());
            }
        }
        return live;
    }

    private void bind(Listener listener) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ListenerChannelInitializer(listener, pools, settings));
        ChannelFuture bound = bootstrap.bind(settings.bindAddress(), listener.port());
        bound.addListener(f -> {
            if (f.isSuccess()) {
                listener.bound(bound.channel());
                log.info("[{}] listening on {}:{}", listener.id(), settings.bindAddress(), listener.port());
                if (!isCurrent(listener)) {
                    bound.channel().close();
                }
                listenerObservers.forEach(Runnable::run);
            } else {
                String error = "cannot listen on " + settings.bindAddress() + ":" + listener.port() + ": "
                        + f.cause().getMessage();
                listener.bindFailed(error);
                log.error("[{}] {}; retrying every {} s", listener.id(), error, BIND_RETRY.toSeconds());
                group.schedule(() -> retryBind(listener), BIND_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                listenerObservers.forEach(Runnable::run);
            }
        });
    }

    private synchronized void retryBind(Listener listener) {
        if (!closed && isCurrent(listener) && !listener.isBound()) {
            bind(listener);
        }
    }

    private synchronized boolean isCurrent(Listener listener) {
        return !closed && listeners.get(listener.id()) == listener;
    }

    private void closeListener(Listener listener, String why) {
        listener.stopAccepting();
        log.info("[{}] {}: stopped listening on port {}; {} connections drain", listener.id(), why,
                listener.port(), listener.connectionCount());
        listener.drainConnections();
    }

    /** True when every balancer of the current snapshot is listening on its port. */
    public synchronized boolean isReady() {
        return !closed && listeners.values().stream().allMatch(Listener::isBound);
    }

    /** Why the data plane is not ready, or an empty string. */
    public synchronized String notReadyReason() {
        if (closed) {
            return "shutting down";
        }
        StringBuilder reason = new StringBuilder();
        for (Listener listener : listeners.values()) {
            if (!listener.isBound()) {
                reason.append(listener.id()).append(": ")
                        .append(listener.bindError() != null ? listener.bindError() : "port " + listener.port() + " not bound yet")
                        .append('\n');
            }
        }
        return reason.toString();
    }

    /** Per balancer, the listener's state: bound, or the error binding it failed with. */
    @Override
    public synchronized Map<BalancerId, ListenerState> listenerStates() {
        Map<BalancerId, ListenerState> states = new LinkedHashMap<>();
        listeners.forEach((id, listener) -> states.put(id,
                new ListenerState(listener.port(), listener.isBound(), listener.bindError(), listener.connectionCount())));
        return Map.copyOf(states);
    }

    @Override
    public void onListenerChange(Runnable observer) {
        listenerObservers.add(requireNonNull(observer, "observer"));
    }

    /** Every running balancer as operators see it, in snapshot order. */
    public synchronized List<BalancerView> describe() {
        List<BalancerView> views = new ArrayList<>();
        for (Listener listener : listeners.values()) {
            BalancerRuntime runtime = listener.runtime();
            BalancerConfig config = runtime.config();
            LoadBalancer balancer = runtime.loadBalancer();
            List<BalancerView.EndpointView> endpoints = new ArrayList<>();
            for (Endpoint endpoint : config.backends().endpoints()) {
                LoadBalancer.EndpointStatus status = balancer.status(endpoint.address());
                endpoints.add(new BalancerView.EndpointView(endpoint.address().toString(), endpoint.weight(),
                        endpoint.state().name(), endpoint.zone(), balancer.inFlight(endpoint.address()),
                        status.healthy(), status.ejected(), status.ejections()));
            }
            LoadBalancer.ZoneRouting zoneRouting = balancer.zoneRouting();
            views.add(new BalancerView(config.id(), config.generation(), listener.port(), listener.isBound(),
                    listener.bindError(), listener.connectionCount(), config.policy().name(), settings.locality().zone(),
                    new BalancerView.ZoneRoutingView(zoneRouting.active(), zoneRouting.detail()), endpoints));
        }
        return views;
    }

    private synchronized LoadBalancer.EndpointStatus endpointStatus(BalancerId id, EndpointAddress address) {
        Listener listener = listeners.get(id);
        return listener == null ? LoadBalancer.EndpointStatus.UNKNOWN : listener.runtime().loadBalancer().status(address);
    }

    private synchronized LoadBalancer.LocalityCalls localityCalls(BalancerId id) {
        Listener listener = listeners.get(id);
        return listener == null ? new LoadBalancer.LocalityCalls(0, 0) : listener.runtime().loadBalancer().localityCalls();
    }

    private synchronized int clientConnections(BalancerId id) {
        Listener listener = listeners.get(id);
        return listener == null ? 0 : listener.connectionCount();
    }

    /** Calls in flight through {@code id} on {@code address}, as its load balancer counts them. */
    public synchronized int inFlight(BalancerId id, EndpointAddress address) {
        Listener listener = listeners.get(id);
        return listener == null ? 0 : listener.runtime().loadBalancer().inFlight(address);
    }

    /**
     * Whether {@code address} takes new calls of balancer {@code id} now: not ejected by outlier
     * detection, not marked unhealthy by health checks. False for an unknown balancer or endpoint.
     */
    public synchronized boolean isAvailable(BalancerId id, EndpointAddress address) {
        Listener listener = listeners.get(id);
        return listener != null && listener.runtime().loadBalancer().isAvailable(address);
    }

    public int ioThreadCount() {
        int count = 0;
        for (EventExecutor ignored : group) {
            count++;
        }
        return count;
    }

    /**
     * Graceful shutdown: stop accepting, GOAWAY to every client, let calls in flight finish
     * (bounded by the drain timeout), then close upstream connections and the event loops.
     */
    @Override
    public void close() {
        List<Listener> closing;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closing = List.copyOf(listeners.values());
            listeners.clear();
            healthChecks.values().forEach(HealthChecks::stop);
            healthChecks.clear();
        }
        log.info("shutting down: GOAWAY to clients, draining calls for at most {} s", settings.drainTimeout().toSeconds());
        closing.forEach(Listener::stopAccepting);
        CompletableFuture<?>[] drained = closing.stream().map(Listener::drainConnections).toArray(CompletableFuture[]::new);
        await(CompletableFuture.allOf(drained), settings.drainTimeout().plusSeconds(2), "client connections to drain");
        await(pools.closeAll(), Duration.ofSeconds(5), "upstream connections to close");
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.close();
        log.info("data plane stopped");
    }

    private static void await(CompletableFuture<?> future, Duration timeout, String what) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("gave up waiting for {} after {} ms", what, timeout.toMillis());
        } catch (ExecutionException e) {
            log.warn("waiting for {} failed: {}", what, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void assertNotOnEventLoop() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                throw new IllegalStateException("publish must not be called from an event loop");
            }
        }
    }
}
