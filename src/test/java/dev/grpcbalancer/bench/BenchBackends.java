package dev.grpcbalancer.bench;

import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * N grpc-java echo/stream servers on 127.0.0.1 (ephemeral ports), inside the bench JVM, sharing
 * one small event loop group; handlers run on the event loop (directExecutor, they never block).
 * Every backend counts the calls, stream messages and TCP connections it served, so the report
 * can show how each target spread the load. With a server TLS context they serve TLS (ALPN h2)
 * instead of h2c: the backends of the workload with TLS to the backends.
 */
final class BenchBackends implements AutoCloseable {

    /** One backend's counters; {@link #snapshot} freezes them for before/after deltas. */
    static final class Counters {
        final LongAdder unaryCalls = new LongAdder();
        final LongAdder streamCalls = new LongAdder();
        final LongAdder streamMessages = new LongAdder();
        final AtomicLong connectionsOpened = new AtomicLong();

        long[] snapshot() {
            return new long[] {unaryCalls.sum(), streamCalls.sum(), streamMessages.sum(), connectionsOpened.get()};
        }
    }

    /** Index into {@link Counters#snapshot()}. */
    static final int UNARY = 0, STREAM_CALLS = 1, STREAM_MSGS = 2, CONNS = 3;

    private final List<Server> servers = new ArrayList<>();
    private final List<Counters> counters = new ArrayList<>();
    private final Map<Integer, byte[]> payloads = new ConcurrentHashMap<>();

    BenchBackends(int count, EventLoopGroup group) throws IOException {
        this(count, group, null);
    }

    /** @param tls the servers' TLS context, null for h2c */
    BenchBackends(int count, EventLoopGroup group, SslContext tls) throws IOException {
        for (int i = 0; i < count; i++) {
            Counters c = new Counters();
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
            if (tls != null) {
                builder.sslContext(tls);
            }
            Server s = builder
                    .bossEventLoopGroup(group)
                    .workerEventLoopGroup(group)
                    .channelType(Transport.serverChannelType())
                    .directExecutor()
                    .maxInboundMessageSize(Transport.MAX_MESSAGE)
                    .maxConcurrentCallsPerConnection(1000)
                    .addTransportFilter(new ServerTransportFilter() {
                        @Override
                        public Attributes transportReady(Attributes attrs) {
                            c.connectionsOpened.incrementAndGet();
                            return attrs;
                        }
                    })
                    .addService(service(c))
                    .addService(health())
                    .build()
                    .start();
            servers.add(s);
            counters.add(c);
        }
    }

    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (Server s : servers) {
            ports.add(s.getPort());
        }
        return ports;
    }

    /** Counter snapshot of every backend: {@code [backend][UNARY|STREAM_CALLS|STREAM_MSGS|CONNS]}. */
    long[][] snapshot() {
        long[][] out = new long[counters.size()][];
        for (int i = 0; i < counters.size(); i++) {
            out[i] = counters.get(i).snapshot();
        }
        return out;
    }

    static long[][] delta(long[][] before, long[][] after) {
        long[][] d = new long[before.length][before[0].length];
        for (int i = 0; i < before.length; i++) {
            for (int j = 0; j < before[i].length; j++) {
                d[i][j] = after[i][j] - before[i][j];
            }
        }
        return d;
    }

    private ServerServiceDefinition service(Counters c) {
        return ServerServiceDefinition.builder(BenchMethods.SERVICE)
                .addMethod(BenchMethods.ECHO, ServerCalls.asyncUnaryCall((req, obs) -> {
                    c.unaryCalls.increment();
                    obs.onNext(req);
                    obs.onCompleted();
                }))
                .addMethod(BenchMethods.STREAM, ServerCalls.asyncServerStreamingCall((req, obs) -> {
                    c.streamCalls.increment();
                    int size = Math.max(0, Math.min(BenchMethods.streamMessageSize(req), Transport.MAX_MESSAGE - 1024));
                    byte[] payload = payloads.computeIfAbsent(size, BenchMethods::payload);
                    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) obs;
                    out.setOnCancelHandler(() -> {});
                    // Send while the transport can take more: flow control paces the stream.
                    out.setOnReadyHandler(() -> {
                        while (out.isReady() && !out.isCancelled()) {
                            out.onNext(payload);
                            c.streamMessages.increment();
                        }
                    });
                }))
                .build();
    }

    /** grpc.health.v1.Health/Check, always SERVING, so balancers with active health checks can be measured. */
    private static ServerServiceDefinition health() {
        io.grpc.MethodDescriptor<byte[], byte[]> check = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("grpc.health.v1.Health/Check")
                .setRequestMarshaller(BenchMethods.BYTES)
                .setResponseMarshaller(BenchMethods.BYTES)
                .build();
        byte[] serving = {0x08, 0x01};
        return ServerServiceDefinition.builder("grpc.health.v1.Health")
                .addMethod(check, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(serving);
                    obs.onCompleted();
                }))
                .build();
    }

    @Override
    public void close() {
        for (Server s : servers) {
            s.shutdownNow();
        }
        try {
            for (Server s : servers) {
                s.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
