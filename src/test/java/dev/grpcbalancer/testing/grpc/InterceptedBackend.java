package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TestService} backend like {@link TestBackend} (same calls, same {@link BackendStats}),
 * with grpc-java {@link ServerInterceptor}s in front of the service: for behaviour that belongs to
 * the backend rather than to one call, such as being slow for every call or compressing its
 * responses.
 *
 * <pre>{@code
 * try (InterceptedBackend slow = InterceptedBackend.start("slow", "127.0.0.4",
 *         InterceptedBackend.delayEveryCall(Duration.ofMillis(200)))) {
 *   ...
 * }
 * }</pre>
 */
public final class InterceptedBackend implements AutoCloseable {

  private final String id;
  private final Server server;
  private final ScheduledExecutorService scheduler;
  private final BackendStats stats = new BackendStats();

  private InterceptedBackend(String id, InetSocketAddress address, ServerInterceptor... interceptors) {
    this.id = id;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "intercepted-backend-" + id);
      thread.setDaemon(true);
      return thread;
    });
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(TestService.SERVICE_NAME);
    for (MethodDescriptor<byte[], byte[]> method : TestService.METHODS) {
      service.addMethod(method,
          (call, headers) -> EchoCall.start(call, headers, id, Behavior.NORMAL, stats, scheduler));
    }
    this.server = NettyServerBuilder.forAddress(address)
        .addService(ServerInterceptors.intercept(service.build(), interceptors))
        .maxInboundMessageSize(TestBackend.DEFAULT_MAX_INBOUND_MESSAGE_SIZE)
        .build();
  }

  /**
   * Starts a backend on {@code host} and a free port. As with {@link ServerInterceptors#intercept},
   * the last interceptor sees each call first.
   */
  public static InterceptedBackend start(String id, String host, ServerInterceptor... interceptors) {
    InterceptedBackend backend = new InterceptedBackend(requireNonNull(id, "id"),
        new InetSocketAddress(requireNonNull(host, "host"), 0), interceptors.clone());
    try {
      backend.server.start();
    } catch (IOException e) {
      backend.scheduler.shutdownNow();
      throw new UncheckedIOException("cannot bind backend " + id + " to " + host, e);
    }
    return backend;
  }

  /** Every call behaves as if it carried {@code x-delay-ms} of {@code delay} (unless it has its own). */
  public static ServerInterceptor delayEveryCall(Duration delay) {
    String millis = Long.toString(requireNonNull(delay, "delay").toMillis());
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (!headers.containsKey(TestService.DELAY_MS)) {
          headers.put(TestService.DELAY_MS, millis);
        }
        return next.startCall(call, headers);
      }
    };
  }

  /** Compresses every response message with {@code encoding} (for example "gzip"). */
  public static ServerInterceptor compressResponses(String encoding) {
    requireNonNull(encoding, "encoding");
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        call.setCompression(encoding);
        call.setMessageCompression(true);
        return next.startCall(call, headers);
      }
    };
  }

  public String id() {
    return id;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  public BackendStats stats() {
    return stats;
  }

  @Override
  public void close() {
    try {
      server.shutdownNow();
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "InterceptedBackend{" + id + "}";
  }
}
