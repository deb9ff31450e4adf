package dev.grpcbalancer.demo;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.demo.HealthCheck.ServingStatus;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC backend for Kubernetes tests and demos (the {@code test-backend} command): plaintext
 * HTTP/2 serving {@code demo.Greeter/SayHello}, which answers with this backend's id, and
 * {@code grpc.health.v1.Health/Check} (Watch is not served, so it answers UNIMPLEMENTED).
 *
 * <p>Health: the server ({@code ""}) and {@code demo.Greeter} are SERVING until {@link #stop}
 * begins, NOT_SERVING after; any other service name gets NOT_FOUND, as the health protocol asks.
 */
public final class TestBackendServer implements AutoCloseable {

    private static final Set<String> KNOWN_SERVICES = Set.of("", "demo.Greeter");

    private final String id;
    private final Server server;
    private volatile boolean stopping;

    private TestBackendServer(InetSocketAddress address, String id) {
        this.id = id;
        ServerServiceDefinition greeter = ServerServiceDefinition.builder("demo.Greeter")
                .addMethod(GreeterMethod.SAY_HELLO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(id);
                    response.onCompleted();
                }))
                .build();
        ServerServiceDefinition health = ServerServiceDefinition.builder(HealthCheck.SERVICE_NAME)
                .addMethod(HealthCheck.CHECK, ServerCalls.asyncUnaryCall((service, response) -> {
                    if (KNOWN_SERVICES.contains(service)) {
                        response.onNext(stopping ? ServingStatus.NOT_SERVING : ServingStatus.SERVING);
                        response.onCompleted();
                    } else {
                        response.onError(Status.NOT_FOUND.withDescription("unknown service '" + service + "'")
                                .asRuntimeException());
                    }
                }))
                .build();
        this.server = NettyServerBuilder.forAddress(address).addService(greeter).addService(health).build();
    }

    /**
     * Starts serving on {@code address} (port 0 picks a free port).
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static TestBackendServer start(InetSocketAddress address, String id) {
        requireNonNull(address, "address");
        requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank");
        }
        TestBackendServer backend = new TestBackendServer(address, id);
        try {
            backend.server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve on " + address, e);
        }
        return backend;
    }

    public String id() {
        return id;
    }

    /** The port the server listens on. */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /**
     * Stops gracefully: health turns NOT_SERVING, new connections and calls are refused (GOAWAY),
     * calls in flight finish; those still running after {@code grace} are cancelled.
     */
    public void stop(Duration grace) throws InterruptedException {
        requireNonNull(grace, "grace");
        stopping = true;
        server.shutdown();
        if (!server.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Blocks until the server has stopped. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops at once, cancelling calls in flight. */
    @Override
    public void close() {
        stopping = true;
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
