package dev.grpcbalancer.dataplane;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.call.CallEngine;
import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.dataplane.upstream.UpstreamKey;
import dev.grpcbalancer.dataplane.upstream.UpstreamConnector;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.metrics.BalancerMeters;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.testing.Http2Peer;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import dev.grpcbalancer.testing.tls.MemoryTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.embedded.EmbeddedLoops;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * The data plane's real connection handlers and call engine with no socket, no thread and no
 * wall clock: every client and backend connection is an {@link EmbeddedChannel} whose far end is
 * a raw-frame peer ({@link MemoryClient}, {@link MemoryBackend}), and time moves only when the test
 * says ({@link #advance}). The pipeline of a client connection is the listener's own
 * ({@link ListenerChannelInitializer}); upstream connections come from the real pools through an
 * in-memory connector. A client or backend may speak TLS through a {@link MemoryTls} end: the
 * proxy's real TLS handlers run on those connections. So a retry, a per-try timeout or a flow-control stall runs exactly as in
 * production, in microseconds, and the same way every time.
 *
 * <pre>{@code
 * try (InMemoryProxy proxy = InMemoryProxy.start(c -> c.withRetry(policy), "10.0.0.1:50051", "10.0.0.2:50051")) {
 *   proxy.backend("10.0.0.1:50051").answer(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "down"));
 *   MemoryClient client = proxy.connect();
 *   MemoryClient.Call call = client.unary("/test.Echo/Unary", "hi");
 *   proxy.run();                          // moves every frame until nothing moves
 *   proxy.advance(Duration.ofMillis(25)); // timers due within 25 ms fire, in time order
 * }
 * }</pre>
 *
 * <p>Only one thread may use it. Every channel is closed and its buffers released by {@link #close}.
 */
public final class InMemoryProxy implements AutoCloseable {

    public static final BalancerId BALANCER = new BalancerId("default", "memory");
    private static final int MAX_ROUNDS = 100_000;

    private final DataPlaneSettings settings = DataPlaneSettings.defaults().withDrainTimeout(Duration.ofSeconds(1));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DataPlaneMeters meters = new DataPlaneMeters(registry, true);
    private final Map<EndpointAddress, MemoryBackend> backends = new LinkedHashMap<>();
    private final List<Link> links = new ArrayList<>();
    private final UpstreamPools pools;
    private final TlsContexts tls = new TlsContexts(TlsProvider.JDK, meters.backendTlsHandshakes());
    private final CallEngine engine;
    private final Listener listener;
    private long nanoTime = TimeUnit.HOURS.toNanos(1);
    /** A connection was made since the world last looked: it needs pumping too. */
    private boolean linked;

    /** A channel of the proxy and the peer at its far end, through the peer's TLS end when it has one. */
    private record Link(LoopChannel channel, Http2Peer peer, MemoryTls tls) {

        /** What the proxy wrote reaches the peer (opened by its TLS end first). */
        void toPeer(ByteBuf written) {
            if (tls == null) {
                peer.receive(written);
            } else {
                tls.receive(written, peer::receive);
            }
        }

        /** The next bytes the peer's side sends the proxy (sealed by its TLS end), or null. */
        byte[] fromPeer() {
            if (tls == null) {
                return peer.poll();
            }
            for (byte[] plaintext = peer.poll(); plaintext != null; plaintext = peer.poll()) {
                tls.send(plaintext);
            }
            return tls.poll();
        }

        void closed() {
            if (tls != null) {
                tls.close();
            }
        }
    }

    /**
     * An embedded channel whose tasks run only when the world runs them, between I/O events, as
     * on an event loop. {@link EmbeddedChannel} itself runs pending tasks after every write: the
     * proxy's end-of-turn flush would then run in the middle of Netty writing a frame, and
     * interleave another stream's frames into it.
     */
    private static final class LoopChannel extends EmbeddedChannel {
        private boolean running;
        /** Whether the far end still reads: when it does not, writes stay queued, as on a full socket. */
        private BooleanSupplier peerReads = () -> true;

        /**
         * Registers only once the channel's clock is frozen: a timer its handlers start when the
         * channel becomes active (a TLS handshake timeout) is then due exactly that long after on
         * the proxy's clock, however long the registration itself takes.
         */
        LoopChannel(ChannelHandler... handlers) {
            super(false, false, handlers);
            freezeTime();
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException("registering an in-memory channel", e);
            }
        }

        @Override
        public void runPendingTasks() {
            // only runTasks() runs them
        }

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (peerReads.getAsBoolean()) {
                super.doWrite(in);
            }
        }

        /**
         * Runs the tasks queued and the timers due, and what they queue or make due in turn, until
         * none is left; not from within one of them.
         */
        void runTasks() {
            if (running) {
                return;
            }
            running = true;
            try {
                int rounds = 0;
                do {
                    super.runPendingTasks();
                    if (++rounds > MAX_ROUNDS) {
                        throw new AssertionError("tasks keep queueing tasks on " + this);
                    }
                } while (EmbeddedLoops.hasQueuedTasks(this) || runScheduledPendingTasks() == 0);
            } finally {
                running = false;
            }
        }
    }

    private InMemoryProxy(UnaryOperator<BalancerConfig> tune, List<String> endpoints) {
        this.pools = new UpstreamPools(new Connector(), settings.upstream(), this::nanoTime);
        this.engine = new CallEngine(pools, this::nanoTime);
        BalancerConfig config = config(tune, endpoints);
        this.listener = new Listener(BALANCER, config.listenerPort(),
                BalancerRuntime.of(config, null, meters.balancer(BALANCER.toString()), Locality.NONE, this::nanoTime, tls));
        applied(config);
    }

    /** A proxy with one balancer over {@code endpoints} ("host:port"), its config tuned by {@code tune}. */
    public static InMemoryProxy start(UnaryOperator<BalancerConfig> tune, String... endpoints) {
        return new InMemoryProxy(tune, List.of(endpoints));
    }

    /** Publishes the balancer anew (as a snapshot would): calls that start from now on use it. */
    public void route(UnaryOperator<BalancerConfig> tune, String... endpoints) {
        BalancerConfig config = config(tune, List.of(endpoints));
        listener.update(BalancerRuntime.of(config, listener.runtime(), listener.runtime().meters(), Locality.NONE,
                this::nanoTime, tls));
        applied(config);
        run();
    }

    private static BalancerConfig config(UnaryOperator<BalancerConfig> tune, List<String> endpoints) {
        List<Endpoint> list = endpoints.stream().map(e -> {
            int colon = e.lastIndexOf(':');
            return Endpoint.ready(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)));
        }).toList();
        return tune.apply(new BalancerConfig(BALANCER, 1, 50051, LoadBalancingPolicy.RoundRobin, new BackendSet(list)));
    }

    private void applied(BalancerConfig config) {
        BalancerRuntime runtime = listener.runtime();
        pools.retain(java.util.Set.copyOf(config.allEndpoints().stream()
                .map(e -> new UpstreamKey(e.address(), runtime.upstreamTls())).toList()));
        for (Route route : config.effectiveRoutes()) {
            for (RouteBackend backend : route.backends()) {
                LoadBalancer balancer = runtime.balancer(route.name(), backend.name());
                runtime.meters().endpoints(route.name(), backend.name()).endpoints(
                        backend.endpoints().endpoints().stream().map(Endpoint::address).toList(), balancer::inFlight,
                        a -> balancer.isAvailable(a) ? 1 : 0, a -> balancer.status(a).ejections());
            }
        }
    }

    /** The backend at {@code address} ("host:port"), created (answering with {@link MemoryBackend#ECHO}) on first use. */
    public MemoryBackend backend(String address) {
        int colon = address.lastIndexOf(':');
        EndpointAddress key = new EndpointAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        return backends.computeIfAbsent(key, k -> new MemoryBackend(address));
    }

    /** A new client connection to the balancer. */
    public MemoryClient connect() {
        return connect(new MemoryClient());
    }

    /** A new connection to the balancer whose client end is {@code peer} (one that sends what a test says). */
    public <P extends Http2Peer> P connect(P peer) {
        return connect(peer, null);
    }

    /**
     * A new connection to the balancer whose client end is {@code peer}, over TLS through
     * {@code tls} (a {@link MemoryTls#client}; null: h2c): the handshake runs before anything else.
     */
    public <P extends Http2Peer> P connect(P peer, MemoryTls tls) {
        link(new LoopChannel(new ListenerChannelInitializer(listener, engine, settings)), peer, tls);
        run();
        return peer;
    }

    public BalancerMeters meters() {
        return listener.runtime().meters();
    }

    /** The registry of the proxy's meters (per-endpoint meters on). */
    public SimpleMeterRegistry registry() {
        return registry;
    }

    /** The proxy's clock, in nanoseconds. */
    public long nanoTime() {
        return nanoTime;
    }

    /** Upstream connections the proxy holds open now, to any backend. */
    public int openUpstreamConnections() {
        int open = 0;
        for (MemoryBackend backend : backends.values()) {
            for (MemoryBackend.Connection connection : backend.connections()) {
                if (!connection.isClosed()) {
                    open++;
                }
            }
        }
        return open;
    }

    /**
     * Moves every frame and runs every task that is due, until nothing moves: the proxy's writes
     * reach the peers, the peers' answers reach the proxy, and so on.
     */
    public void run() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean moved = false;
            for (Link link : List.copyOf(links)) {
                moved |= step(link);
            }
            moved |= linked; // a connection made in this round is pumped in the next
            linked = false;
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("still busy after " + MAX_ROUNDS + " rounds: a frame loop between proxy and peers?");
    }

    private boolean step(Link link) {
        LoopChannel channel = link.channel();
        boolean moved = false;
        channel.runTasks();
        Object out;
        while ((out = channel.readOutbound()) != null) {
            link.toPeer((ByteBuf) out);
            moved = true;
        }
        byte[] in;
        while (channel.isOpen() && (in = link.fromPeer()) != null) {
            // from the channel's allocator, as a socket read: leak-tracked like production buffers
            channel.writeInbound(channel.alloc().buffer(in.length).writeBytes(in));
            moved = true;
        }
        if (!channel.isOpen()) {
            channel.runTasks(); // channelInactive and what follows
            while ((out = channel.readOutbound()) != null) {
                link.toPeer((ByteBuf) out); // the last frames written before the close (a GOAWAY) still arrive
            }
            link.peer().closedByProxy();
            channel.finishAndReleaseAll();
            channel.runTasks();
            link.closed();
            links.remove(link);
            moved = true;
        }
        return moved;
    }

    /**
     * Moves the clock by {@code duration}: every timer due on the way fires at its time, earliest
     * first, with the frames it causes moved before the clock goes on.
     */
    public void advance(Duration duration) {
        long left = duration.toNanos();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            run();
            long next = nextTimerNanos();
            if (next < 0 || next > left) {
                moveClock(left);
                run();
                return;
            }
            moveClock(next);
            left -= next;
        }
        throw new AssertionError("timers keep firing: more than " + MAX_ROUNDS + " within " + duration);
    }

    private long nextTimerNanos() {
        long next = -1;
        for (Link link : List.copyOf(links)) {
            long delay = link.channel().runScheduledPendingTasks();
            if (delay >= 0 && (next < 0 || delay < next)) {
                next = delay;
            }
        }
        return next;
    }

    private void moveClock(long nanos) {
        nanoTime += nanos;
        for (Link link : links) {
            link.channel().advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void link(LoopChannel channel, Http2Peer peer, MemoryTls tls) {
        peer.dropWith(() -> channel.pipeline().firstContext().close()); // below HTTP/2: no GOAWAY
        channel.peerReads = peer::isReading;
        links.add(new Link(channel, peer, tls));
        linked = true;
    }

    /** Closes every connection and releases what the channels still hold. */
    @Override
    public void close() {
        for (Link link : List.copyOf(links)) {
            // below HTTP/2: a graceful close would wait for streams on a clock that no longer moves
            link.channel().pipeline().firstContext().close();
        }
        run(); // every call hears that its connection closed, and releases what it holds
        for (Link link : List.copyOf(links)) {
            link.channel().finishAndReleaseAll();
            link.channel().runTasks();
            link.closed();
        }
        links.clear();
    }

    /** Upstream connections: an embedded channel linked to a new connection of the backend at the address. */
    private final class Connector implements UpstreamConnector {
        @Override
        public ChannelFuture connect(EventLoop loop, EndpointAddress address, ChannelHandler initializer,
                Duration timeout) {
            MemoryBackend backend = backends.get(address);
            if (backend == null || backend.refusesConnection()) {
                EmbeddedChannel refused = new EmbeddedChannel();
                refused.close();
                return refused.newFailedFuture(new ConnectException("Connection refused: " + address));
            }
            LoopChannel channel = new LoopChannel(requireNonNull(initializer, "initializer"));
            link(channel, backend.accept(), backend.tlsCertificate() == null ? null
                    : MemoryTls.server(backend.tlsCertificate()));
            return channel.newSucceededFuture();
        }
    }
}
