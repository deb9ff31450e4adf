package dev.grpcbalancer.bench;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * grpc-java's shaded Netty plumbing shared by the bench client and the bench backends: epoll when
 * available (else NIO), explicit small event loop groups, and one {@link ManagedChannel} per TCP
 * connection. A channel built by {@link #channel} has exactly one address, so pick_first opens
 * exactly one connection; grpc-java never shares connections between channels.
 */
final class Transport {
    static final int MAX_MESSAGE = 4 * 1024 * 1024;
    static final boolean EPOLL = Epoll.isAvailable();

    private static final String SCHEME = "bench-static";
    private static final AtomicInteger RESOLVER_IDS = new AtomicInteger();
    private static final ConcurrentHashMap<String, List<InetSocketAddress>> STATIC_TARGETS = new ConcurrentHashMap<>();

    static {
        NameResolverRegistry.getDefaultRegistry().register(new StaticResolverProvider());
    }

    static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    static EventLoopGroup group(int threads, String name) {
        DefaultThreadFactory tf = new DefaultThreadFactory(name, true);
        return EPOLL ? new EpollEventLoopGroup(threads, tf) : new NioEventLoopGroup(threads, tf);
    }

    static Class<? extends ServerChannel> serverChannelType() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** One channel = one TCP connection to {@code port} on 127.0.0.1. */
    static ManagedChannel channel(EventLoopGroup group, int port) {
        return configure(NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), group).build();
    }

    /**
     * One channel = one TLS connection to {@code port} on 127.0.0.1 (ALPN h2, SNI and authority
     * {@link BenchCertificates#NAME}, trusting {@code tls}'s certificate only).
     */
    static ManagedChannel tlsChannel(EventLoopGroup group, int port, SslContext tls) {
        return configure(NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), group)
                .negotiationType(NegotiationType.TLS)
                .sslContext(tls)
                .overrideAuthority(BenchCertificates.NAME)
                .build();
    }

    /**
     * One channel with grpc-java's client-side {@code round_robin} over all {@code ports}: it
     * holds one TCP connection per port and spreads its calls over them.
     */
    static ManagedChannel roundRobinChannel(EventLoopGroup group, List<Integer> ports) {
        String authority = "direct-" + RESOLVER_IDS.incrementAndGet();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int p : ports) {
            addresses.add(new InetSocketAddress("127.0.0.1", p));
        }
        STATIC_TARGETS.put(authority, addresses);
        return configure(NettyChannelBuilder.forTarget(SCHEME + "://" + authority), group)
                .defaultLoadBalancingPolicy("round_robin")
                .build();
    }

    private static NettyChannelBuilder configure(NettyChannelBuilder b, EventLoopGroup group) {
        return b.eventLoopGroup(group)
                .channelType(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class, InetSocketAddress.class)
                .usePlaintext() // tlsChannel() switches back to TLS
                .directExecutor()
                .disableRetry()
                .maxInboundMessageSize(MAX_MESSAGE)
                .userAgent("grpc-balancer-bench");
    }

    /** Blocks until every channel is READY (forces the connections up front); false on timeout. */
    static boolean awaitReady(List<ManagedChannel> channels, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (ManagedChannel ch : channels) {
            while (ch.getState(true) != io.grpc.ConnectivityState.READY) {
                if (System.currentTimeMillis() > deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
        }
        return true;
    }

    static void close(List<ManagedChannel> channels) throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            ch.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Resolves {@code bench-static://<authority>} to the fixed address list registered for it. */
    private static final class StaticResolverProvider extends NameResolverProvider {
        @Override
        protected boolean isAvailable() {
            return true;
        }

        @Override
        protected int priority() {
            return 5;
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }

        @Override
        public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
            return List.of(InetSocketAddress.class);
        }

        @Override
        public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
            if (!SCHEME.equals(uri.getScheme()) || !STATIC_TARGETS.containsKey(uri.getAuthority())) {
                return null;
            }
            List<EquivalentAddressGroup> groups = new ArrayList<>();
            for (InetSocketAddress a : STATIC_TARGETS.get(uri.getAuthority())) {
                groups.add(new EquivalentAddressGroup(a));
            }
            String authority = uri.getAuthority();
            return new NameResolver() {
                @Override
                public String getServiceAuthority() {
                    return authority;
                }

                @Override
                public void start(Listener2 listener) {
                    listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
                }

                @Override
                public void shutdown() {}
            };
        }
    }

    private Transport() {}
}
