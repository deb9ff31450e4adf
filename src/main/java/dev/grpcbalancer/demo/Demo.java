package dev.grpcbalancer.demo;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.dataplane.DataPlaneSettings;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code demo} command: three real gRPC backends, grpc-balancer in front of them, and one
 * client that sends every call over ONE HTTP/2 connection; then the same client through a
 * connection-level (L4) relay, for contrast. Prints where the calls went.
 */
public final class Demo {

    private static final String HOST = "127.0.0.1";
    private static final int OUTSTANDING = 16;

    private final int calls;
    private final PrintStream out;

    public Demo(int calls, PrintStream out) {
        if (calls < 1) {
            throw new IllegalArgumentException("calls must be positive");
        }
        this.calls = calls;
        this.out = requireNonNull(out, "out");
    }

    /** Runs the demo; returns the per-backend counts through the balancer, then through L4. */
    public List<Map<String, Integer>> run() throws InterruptedException {
        EventLoopGroup relayGroup = new NioEventLoopGroup(1);
        try (DemoBackends backends = new DemoBackends(3, HOST);
                DataPlane dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST)
                        .withDrainTimeout(Duration.ofSeconds(2)).withIoThreads(2));
                L4Relay relay = new L4Relay(relayGroup, HOST, backends.addresses())) {
            int port = freePort();
            List<Endpoint> endpoints = backends.addresses().stream()
                    .map(a -> Endpoint.ready(HOST, a.getPort())).toList();
            dataPlane.publish(new RoutingSnapshot(List.of(new BalancerConfig(new BalancerId("default", "demo"), 1,
                    port, LoadBalancingPolicy.RoundRobin, new BackendSet(endpoints)))));
            awaitReady(dataPlane);

            out.printf("%nThree gRPC backends on %s, one client, %d unary calls over ONE HTTP/2 connection.%n%n",
                    HOST, calls);
            Map<String, Integer> l7 = callThrough(port, backends.names());
            Map<String, Integer> l4 = callThrough(relay.port(), backends.names());
            printTable(backends.names(), l7, l4);
            return List.of(l7, l4);
        } finally {
            relayGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private Map<String, Integer> callThrough(int port, List<String> names) throws InterruptedException {
        Map<String, AtomicInteger> counts = new LinkedHashMap<>();
        names.forEach(n -> counts.put(n, new AtomicInteger()));
        AtomicInteger failed = new AtomicInteger();
        ManagedChannel channel = NettyChannelBuilder.forAddress(HOST, port).usePlaintext().build();
        try {
            Semaphore inFlight = new Semaphore(OUTSTANDING);
            for (int i = 0; i < calls; i++) {
                inFlight.acquire();
                var future = ClientCalls.futureUnaryCall(
                        channel.newCall(GreeterMethod.SAY_HELLO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                        "hello " + i);
                future.addListener(() -> {
                    try {
                        counts.get(future.get()).incrementAndGet();
                    } catch (ExecutionException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        inFlight.release();
                    }
                }, Runnable::run);
            }
            inFlight.acquire(OUTSTANDING);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (failed.get() > 0) {
            out.printf("  (%d calls failed)%n", failed.get());
        }
        Map<String, Integer> result = new LinkedHashMap<>();
        counts.forEach((name, count) -> result.put(name, count.get()));
        return result;
    }

    private void printTable(List<String> names, Map<String, Integer> l7, Map<String, Integer> l4) {
        StringBuilder header = new StringBuilder(String.format("  %-36s", "calls answered by"));
        names.forEach(n -> header.append(String.format("%12s", n)));
        out.println(header);
        out.println(row("L7: grpc-balancer (per call)", names, l7));
        out.println(row("L4: TCP relay (per connection)", names, l4));
        out.printf("%nAn L4 balancer routes connections, so one client connection pins every call to one%n"
                + "backend. grpc-balancer parses HTTP/2 and balances each call (each stream) on its own.%n");
    }

    private static String row(String label, List<String> names, Map<String, Integer> counts) {
        StringBuilder row = new StringBuilder(String.format("  %-36s", label));
        names.forEach(n -> row.append(String.format("%12d", counts.getOrDefault(n, 0))));
        return row.toString();
    }

    private static void awaitReady(DataPlane dataPlane) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!dataPlane.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("balancer did not start listening: " + dataPlane.notReadyReason());
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }
}
