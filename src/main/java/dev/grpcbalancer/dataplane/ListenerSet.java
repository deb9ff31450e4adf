package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.CallEngine;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's listeners and everything that changes them: applying snapshots, binding ports,
 * bind results, bind retries, closing. All of it runs on one thread, the owner: snapshots arrive as
 * tasks from {@link DataPlane}, and event loops only hand bind and close results over as tasks. So
 * no lock is needed and nothing ever waits for a channel: a listener that takes over a port
 * another one gave up binds when that port's server channel has closed.
 *
 * <p>Readers on any thread see an immutable {@link ListenersView}, replaced by the owner after every
 * change.
 */
final class ListenerSet {

    private static final Logger log = LoggerFactory.getLogger(ListenerSet.class);
    static final Duration BIND_RETRY = Duration.ofSeconds(5);

    private final EventExecutor owner;
    private final EventLoopGroup group;
    private final Transport transport;
    private final DataPlaneSettings settings;
    private final UpstreamPools pools;
    private final TlsContexts tls;
    private final CallEngine calls;
    private final DataPlaneMeters meters;
    private final Runnable changed;

    // Owner-confined state.
    private final Map<BalancerId, Binding> bindings = new LinkedHashMap<>();
    /** Ports whose server channel is closing, until it has closed. */
    private final Map<Integer, CompletableFuture<Void>> portsClosing = new HashMap<>();
    private final EndpointUse endpointUse = new EndpointUse();
    private RoutingSnapshot current = RoutingSnapshot.EMPTY;
    private boolean closed;
    private long bindingsVisited;

    private volatile ListenersView view = ListenersView.EMPTY;

    /**
     * @param owner the thread every change runs on
     * @param changed told (on the owner) whenever a listener binds, fails to bind or stops listening
     */
    ListenerSet(EventExecutor owner, EventLoopGroup group, Transport transport, DataPlaneSettings settings,
            UpstreamPools pools, TlsContexts tls, CallEngine calls, DataPlaneMeters meters, Runnable changed) {
        this.owner = owner;
        this.group = group;
        this.transport = transport;
        this.settings = settings;
        this.pools = pools;
        this.tls = tls;
        this.calls = calls;
        this.meters = meters;
        this.changed = changed;
    }

    /** What the listeners are now. Any thread. */
    ListenersView view() {
        return view;
    }

    /**
     * Makes {@code snapshot} the routing state; new listeners are asked to bind. Owner only. The work
     * is that of the balancers that came, went or changed: a snapshot built on the one running says
     * which those are ({@link RoutingSnapshot#changesSince}), and only their bindings are looked at;
     * any other snapshot (the first, a standalone file's, one after a skipped snapshot) is compared
     * balancer by balancer, where an unchanged one (the same config instance) costs one lookup.
     */
    void apply(RoutingSnapshot snapshot) {
        if (closed || snapshot == current) {
            return;
        }
        Map<BalancerId, BalancerConfig> next = snapshot.byId();
        Optional<RoutingSnapshot.Changes> changes = snapshot.changesSince(current);
        Collection<Binding> suspects = changes.isPresent() ? bindingsOf(changes.get()) : List.copyOf(bindings.values());
        List<BalancerId> gone = new ArrayList<>();
        boolean retired = false;
        boolean tlsDropped = false;
        // Retire first: a balancer may take over a port another one gave up in the same snapshot.
        for (Binding binding : suspects) {
            bindingsVisited++;
            Listener listener = binding.listener;
            BalancerConfig config = next.get(listener.id());
            if (config == null || config.listenerPort() != listener.port()) {
                bindings.remove(listener.id());
                log.info("[{}] {}: stops listening on port {}; {} connections drain", listener.id(),
                        config == null ? "removed" : "moved to port " + config.listenerPort(), listener.port(),
                        listener.connectionCount());
                retire(binding);
                retired = true;
                tlsDropped = true;
                if (config == null) {
                    gone.add(listener.id());
                }
            }
        }
        List<Binding> added = new ArrayList<>();
        List<Binding> changed = new ArrayList<>();
        Collection<BalancerConfig> candidates = changes.isPresent()
                ? changes.get().changed().stream().map(next::get).toList() : snapshot.balancers();
        for (BalancerConfig config : candidates) {
            bindingsVisited++;
            Binding existing = bindings.get(config.id());
            if (existing == null) {
                Binding binding = start(config);
                bindings.put(config.id(), binding);
                added.add(binding);
                changed.add(binding);
            } else if (config != existing.listener.runtime().config()
                    && !config.equals(existing.listener.runtime().config())) {
                BalancerRuntime previous = existing.listener.runtime();
                tlsDropped |= !config.backendTls().equals(previous.config().backendTls());
                existing.listener.update(BalancerRuntime.of(config, previous, previous.meters(), settings.locality(),
                        calls.ticker(), tls));
                existing.healthChecks.update();
                changed.add(existing);
                log.info("[{}] updated: {}", config.id(), summary(config));
            }
        }
        added.forEach(this::bindWhenPortFree);
        changed.forEach(binding -> meterEndpoints(binding.listener.runtime()));
        boolean upstreamsDropped = false;
        for (BalancerId id : gone) {
            meters.remove(id.toString());
            upstreamsDropped |= endpointUse.use(id, null, null);
        }
        for (Binding binding : changed) {
            BalancerRuntime runtime = binding.listener.runtime();
            upstreamsDropped |= endpointUse.use(runtime.config().id(), runtime.config(), runtime.upstreamTls());
        }
        if (upstreamsDropped) {
            pools.retain(endpointUse.live());
        }
        if (tlsDropped) {
            tls.retain(snapshot.balancers().stream().map(BalancerConfig::backendTls).toList());
        }
        current = snapshot;
        if (added.isEmpty() && !retired) {
            view = view.withSnapshot(snapshot); // the same listeners, only their runtimes changed
        } else {
            publishView();
        }
    }

    /** The bindings of the balancers that changed or went (those that came have none yet). */
    private List<Binding> bindingsOf(RoutingSnapshot.Changes changes) {
        List<Binding> found = new ArrayList<>(changes.changed().size() + changes.removed().size());
        for (BalancerId id : changes.removed()) {
            Binding binding = bindings.get(id);
            if (binding != null) {
                found.add(binding);
            }
        }
        for (BalancerId id : changes.changed()) {
            Binding binding = bindings.get(id);
            if (binding != null) {
                found.add(binding);
            }
        }
        return found;
    }

    /**
     * Balancers looked at by {@link #apply} since this set was made, one per balancer and pass (the
     * retiring pass over bindings, the starting/updating pass over configs): the work of applying
     * snapshots, for tests. Owner only (or after a publish returned).
     */
    long bindingsVisited() {
        return bindingsVisited;
    }

    /**
     * Stops every listener: no more accepting, GOAWAY to every client. Returns what completes when
     * every client connection has closed, or {@code null} if already closed. Owner only.
     */
    CompletableFuture<Void> close() {
        if (closed) {
            return null;
        }
        closed = true;
        CompletableFuture<?>[] drained = bindings.values().stream().map(this::retire).toArray(CompletableFuture[]::new);
        bindings.clear();
        publishView();
        return CompletableFuture.allOf(drained);
    }

    private Binding start(BalancerConfig config) {
        BalancerId id = config.id();
        BalancerMeters balancerMeters = meters.balancer(id.toString());
        Listener listener = new Listener(id, config.listenerPort(),
                BalancerRuntime.of(config, null, balancerMeters, settings.locality(), calls.ticker(), tls));
        balancerMeters.gauge("grpcbalancer.client.connections", "Client connections open now", this,
                set -> set.view().clientConnections(id));
        balancerMeters.countEndpoints(route -> listener.runtime().endpointCounts(route));
        if (!settings.locality().zone().isEmpty()) {
            String description = "Attempts sent to endpoints in this replica's zone (same) or another zone (other)";
            balancerMeters.functionCounter("grpcbalancer.calls.locality", description, "locality", "same", this,
                    set -> set.view().localityCalls(id).sameZone());
            balancerMeters.functionCounter("grpcbalancer.calls.locality", description, "locality", "other", this,
                    set -> set.view().localityCalls(id).otherZone());
        }
        HealthChecks checks = new HealthChecks(group.next(), pools, listener::runtime);
        checks.update();
        return new Binding(listener, checks);
    }

    /** Gives the per-endpoint meters (when kept) the endpoints of {@code runtime}'s config. */
    private void meterEndpoints(BalancerRuntime runtime) {
        BalancerMeters balancerMeters = runtime.meters();
        if (!balancerMeters.perEndpoint()) {
            return;
        }
        BalancerConfig config = runtime.config();
        BalancerId id = config.id();
        for (Route route : config.effectiveRoutes()) {
            for (RouteBackend backend : route.backends()) {
                String routeName = route.name();
                String backendName = backend.name();
                balancerMeters.endpoints(routeName, backendName).endpoints(
                        backend.endpoints().endpoints().stream().map(Endpoint::address).toList(),
                        address -> view.probe(id, routeName, backendName, address, ListenersView.Probe.IN_FLIGHT),
                        address -> view.probe(id, routeName, backendName, address, ListenersView.Probe.AVAILABLE),
                        address -> view.probe(id, routeName, backendName, address, ListenersView.Probe.EJECTIONS));
            }
        }
    }

    /** "3 endpoints (3 ready), policy RoundRobin" for the shorthand, "4 rules, 7 endpoints (6 ready)" for rules. */
    private static String summary(BalancerConfig config) {
        List<Endpoint> endpoints = config.allEndpoints();
        long ready = endpoints.stream().filter(e -> e.state() == EndpointState.READY).count();
        String counts = endpoints.size() + " endpoints (" + ready + " ready)";
        return config.routes().isEmpty() ? counts + ", policy " + config.policy()
                : config.routes().size() + " rules, " + counts;
    }

    /** Stops the listener's checks, retries and accepting; its connections drain once its port is free. */
    private CompletableFuture<Void> retire(Binding binding) {
        binding.healthChecks.stop();
        if (binding.retry != null) {
            binding.retry.cancel(false);
        }
        int port = binding.listener.port();
        CompletableFuture<Void> portFree = binding.stopAccepting();
        if (!portFree.isDone()) {
            portsClosing.put(port, portFree);
            portFree.whenComplete((ignored, error) -> tell(() -> portsClosing.remove(port, portFree)));
        }
        return portFree.thenCompose(ignored -> binding.listener.drainConnections());
    }

    private void bindWhenPortFree(Binding binding) {
        CompletableFuture<Void> portFree = portsClosing.get(binding.listener.port());
        if (portFree == null || portFree.isDone()) {
            bind(binding);
        } else {
            portFree.whenComplete((ignored, error) -> tell(() -> bindIfCurrent(binding)));
        }
    }

    private void bindIfCurrent(Binding binding) {
        if (isCurrent(binding) && binding.serverChannel == null) {
            bind(binding);
        }
    }

    private void bind(Binding binding) {
        Listener listener = binding.listener;
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ListenerChannelInitializer(listener, calls, settings))
                .bind(settings.bindAddress(), listener.port());
        binding.serverChannel = bound;
        bound.addListener(f -> tell(() -> bindDone(binding, bound)));
    }

    private void bindDone(Binding binding, ChannelFuture bound) {
        if (!isCurrent(binding) || binding.serverChannel != bound) {
            return; // retired meanwhile: retiring closed the channel
        }
        Listener listener = binding.listener;
        if (bound.isSuccess()) {
            binding.bound = true;
            binding.bindError = null;
            log.info("[{}] listening on {}:{}", listener.id(), settings.bindAddress(), listener.port());
            bound.channel().closeFuture().addListener(f -> tell(() -> closedUnasked(binding, bound)));
        } else {
            bindFailed(binding, "cannot listen on " + settings.bindAddress() + ":" + listener.port() + ": "
                    + bound.cause().getMessage());
        }
        publishView();
        changed.run();
    }

    /** The server channel of a current listener closed although nobody retired it. */
    private void closedUnasked(Binding binding, ChannelFuture bound) {
        if (isCurrent(binding) && binding.serverChannel == bound) {
            bindFailed(binding, "stopped listening on " + settings.bindAddress() + ":" + binding.listener.port()
                    + ": the server socket closed");
            publishView();
            changed.run();
        }
    }

    private void bindFailed(Binding binding, String error) {
        binding.serverChannel = null;
        binding.bound = false;
        binding.bindError = error;
        log.error("[{}] {}; retrying every {} s", binding.listener.id(), error, BIND_RETRY.toSeconds());
        binding.retry = owner.schedule(() -> {
            binding.retry = null;
            bindIfCurrent(binding);
        }, BIND_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean isCurrent(Binding binding) {
        return !closed && bindings.get(binding.listener.id()) == binding;
    }

    /** Hands {@code task} to the owner; from any thread (event loops hand their results over this way). */
    private void tell(Runnable task) {
        try {
            owner.execute(task);
        } catch (RejectedExecutionException ownerStopped) {
            log.debug("data plane closed, dropping a listener event");
        }
    }

    private void publishView() {
        Map<BalancerId, ListenersView.ListenerView> listeners = new LinkedHashMap<>();
        Map<BalancerId, ListenerState> states = new HashMap<>();
        Map<BalancerId, ListenerState> before = view.states();
        bindings.forEach((id, binding) -> {
            listeners.put(id, new ListenersView.ListenerView(binding.listener, binding.bound, binding.bindError));
            ListenerState state = new ListenerState(binding.listener.port(), binding.bound, binding.bindError);
            // An unchanged listener keeps its state instance: the status planner compares by identity first.
            states.put(id, state.equals(before.get(id)) ? before.get(id) : state);
        });
        view = new ListenersView(closed, current, Collections.unmodifiableMap(listeners), Map.copyOf(states));
    }

    /** A listener with its server channel and health checks. Owner-confined. */
    private static final class Binding {
        final Listener listener;
        final HealthChecks healthChecks;
        /** The latest bind of the server channel, bound or still binding; null when none is open. */
        ChannelFuture serverChannel;
        boolean bound;
        String bindError;
        ScheduledFuture<?> retry;

        Binding(Listener listener, HealthChecks healthChecks) {
            this.listener = listener;
            this.healthChecks = healthChecks;
        }

        /** Closes the server channel, bound or still binding; completes when its port is free. */
        CompletableFuture<Void> stopAccepting() {
            ChannelFuture bind = serverChannel;
            if (bind == null) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> portFree = new CompletableFuture<>();
            bind.addListener(f -> {
                if (!f.isSuccess()) {
                    portFree.complete(null); // never bound
                }
            });
            bind.channel().closeFuture().addListener(f -> portFree.complete(null));
            bind.channel().close();
            return portFree;
        }
    }
}
