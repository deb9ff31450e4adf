package dev.grpcbalancer.dataplane;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.call.CallEngine;
import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.ListenerStates;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
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
 *
 * <p>Listeners have one owner, the {@code grpc-balancer-listeners} thread ({@link ListenerSet}):
 * snapshots, bind results and bind retries are tasks on it. Queries read the immutable view it
 * publishes and take no lock.
 */
public final class DataPlane implements SnapshotSink, ListenerStates, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);

    private final DataPlaneSettings settings;
    private final EventLoopGroup group;
    private final DnsAddressResolverGroup resolver;
    private final UpstreamPools pools;
    private final TlsContexts tls;
    private final EventExecutor owner;
    private final ListenerSet listeners;
    private final List<Runnable> listenerObservers = new CopyOnWriteArrayList<>();

    /** A data plane whose meters go nowhere. */
    public DataPlane(DataPlaneSettings settings) {
        this(settings, DataPlaneMeters.discarding());
    }

    /** A data plane that records per-balancer meters ({@code grpcbalancer_calls_*} ...) in {@code meters}. */
    public DataPlane(DataPlaneSettings settings, DataPlaneMeters meters) {
        this.settings = requireNonNull(settings, "settings");
        requireNonNull(meters, "meters");
        Transport transport = Transport.best();
        this.group = transport.newGroup(settings.ioThreads(), "grpc-balancer-io");
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel()));
        this.pools = new UpstreamPools(transport.socketChannel(), resolver, settings.upstream());
        this.tls = new TlsContexts(settings.tlsProvider(), meters.backendTlsHandshakes());
        CallEngine calls = new CallEngine(pools, System::nanoTime);
        this.owner = new DefaultEventExecutor(new DefaultThreadFactory("grpc-balancer-listeners", true));
        this.listeners = new ListenerSet(owner, group, transport, settings, pools, tls, calls, meters,
                this::listenersChanged);
        log.info("data plane started: {} transport, {} event loops", transport.name(), ioThreadCount());
    }

    /**
     * Applies {@code snapshot} on the listeners' owner and returns once it is applied: runtimes
     * swapped, listeners removed or moved stopped, new listeners asked to bind (a listener taking
     * over a port binds once the port's old server channel has closed).
     */
    @Override
    public void publish(RoutingSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        assertNotOnEventLoop();
        ListenersView view = listeners.view();
        if (view.closed() || snapshot == view.snapshot()) {
            return; // an equal snapshot of new instances is found unchanged by the owner, balancer by balancer
        }
        if (owner.inEventLoop()) {
            listeners.apply(snapshot); // a listener observer publishing
            return;
        }
        try {
            owner.submit(() -> listeners.apply(snapshot)).syncUninterruptibly();
        } catch (RejectedExecutionException closing) {
            log.debug("data plane closed, snapshot not applied");
        }
    }

    /** Balancers looked at while applying snapshots so far ({@link ListenerSet#bindingsVisited}); for tests. */
    long balancersVisitedApplying() {
        return listeners.bindingsVisited();
    }

    private void listenersChanged() {
        for (Runnable observer : listenerObservers) {
            try {
                observer.run();
            } catch (RuntimeException e) {
                log.warn("listener observer failed", e);
            }
        }
    }

    /** True when every balancer of the current snapshot is listening on its port. */
    public boolean isReady() {
        return listeners.view().isReady();
    }

    /** Why the data plane is not ready, or an empty string. */
    public String notReadyReason() {
        ListenersView view = listeners.view();
        if (view.closed()) {
            return "shutting down";
        }
        StringBuilder reason = new StringBuilder();
        view.listeners().forEach((id, listener) -> {
            if (!listener.bound()) {
                reason.append(id).append(": ").append(listener.bindError() != null ? listener.bindError()
                        : "port " + listener.listener().port() + " not bound yet").append('\n');
            }
        });
        return reason.toString();
    }

    /** Client connections the listener of balancer {@code id} holds now (0 for an unknown balancer). */
    public int clientConnections(BalancerId id) {
        return listeners.view().clientConnections(id);
    }

    /** Per balancer, the listener's state: bound, or the error binding it failed with. */
    @Override
    public Map<BalancerId, ListenerState> listenerStates() {
        return listeners.view().states();
    }

    @Override
    public void onListenerChange(Runnable observer) {
        listenerObservers.add(requireNonNull(observer, "observer"));
    }

    /** Every running balancer as operators see it, in snapshot order: its routes, their backends and endpoints. */
    public List<BalancerView> describe() {
        List<BalancerView> views = new ArrayList<>();
        for (ListenersView.ListenerView view : listeners.view().listeners().values()) {
            Listener listener = view.listener();
            BalancerRuntime runtime = listener.runtime();
            BalancerConfig config = runtime.config();
            List<BalancerView.RouteView> routes = new ArrayList<>();
            for (RouteRuntime route : runtime.routes()) {
                List<BalancerView.BackendView> backends = new ArrayList<>();
                for (int i = 0; i < route.route().backends().size(); i++) {
                    RouteBackend backend = route.route().backends().get(i);
                    LoadBalancer balancer = route.balancers().get(i);
                    List<BalancerView.EndpointView> endpoints = new ArrayList<>();
                    for (Endpoint endpoint : backend.endpoints().endpoints()) {
                        LoadBalancer.EndpointStatus status = balancer.status(endpoint.address());
                        endpoints.add(new BalancerView.EndpointView(endpoint.address().toString(), endpoint.weight(),
                                endpoint.state().name(), endpoint.zone(), balancer.inFlight(endpoint.address()),
                                status.healthy(), status.ejected(), status.ejections()));
                    }
                    LoadBalancer.ZoneRouting zoneRouting = balancer.zoneRouting();
                    backends.add(new BalancerView.BackendView(backend.name(), backend.weight(),
                            new BalancerView.ZoneRoutingView(zoneRouting.active(), zoneRouting.detail()), endpoints));
                }
                routes.add(new BalancerView.RouteView(route.name(), route.route().matches().stream()
                        .map(Object::toString).toList(), route.policy().loadBalancing().name(), backends));
            }
            views.add(new BalancerView(config.id(), config.generation(), listener.port(), view.bound(),
                    view.bindError(), listener.connectionCount(), config.policy().name(), settings.locality().zone(),
                    routes));
        }
        return views;
    }

    /**
     * Whether {@code address} takes new calls of balancer {@code id} now, in every backend of every
     * route that has it: not ejected by outlier detection, not marked unhealthy by health checks.
     * False for an unknown balancer or endpoint.
     */
    public boolean isAvailable(BalancerId id, EndpointAddress address) {
        return listeners.view().isAvailable(id, address);
    }

    /** The data plane's TLS provider: {@code OPENSSL} or {@code JDK}. */
    public String tlsProvider() {
        return tls.providerName();
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
        CompletableFuture<Void> drained;
        try {
            drained = owner.submit(listeners::close).syncUninterruptibly().getNow();
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        if (drained == null) {
            return;
        }
        log.info("shutting down: GOAWAY to clients, draining calls for at most {} s", settings.drainTimeout().toSeconds());
        await(drained, settings.drainTimeout().plusSeconds(2), "client connections to drain");
        await(pools.closeAll(), Duration.ofSeconds(5), "upstream connections to close");
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        owner.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
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
