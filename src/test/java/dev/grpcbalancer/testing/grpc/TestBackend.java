package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real grpc-java server (Netty, plaintext HTTP/2) serving {@link TestService} on one address,
 * standing in for one pod behind the proxy. Give each backend its own loopback address (Linux
 * routes all of 127/8 to {@code lo}) so they look like distinct pod IPs:
 *
 * <pre>{@code
 * try (TestBackend a = TestBackend.start("a", "127.0.0.2");
 *      TestBackend b = TestBackend.builder("b", new InetSocketAddress("127.0.0.3", 0))
 *          .maxConcurrentCallsPerConnection(2)
 *          .start()) {
 *   // point the proxy at a.address() and b.address(); every answer carries x-backend-id
 *   a.stats().awaitInFlight(0, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>It also answers any other method name as a Unary echo, so routing tests can call
 * {@code /shop.Cart/Get} and the like. {@link #setBehavior(Behavior)} makes new calls hang or fail. {@link #kill()} resets every
 * stream and drops every connection at once; {@link #drain()} shuts down gracefully (GOAWAY, then
 * in-flight calls finish), {@link #startDrain()} does the same without waiting. {@link #close()}
 * kills and is safe to call again.
 */
public final class TestBackend implements AutoCloseable {

  /** Default max inbound message size: 64 MiB, enough for the 16 MiB message tests. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024;
  private static final Duration TERMINATION_TIMEOUT = Duration.ofSeconds(10);

  private final String id;
  private final Server server;
  private final ScheduledExecutorService scheduler;
  private final BackendStats stats = new BackendStats();
  private volatile Behavior behavior = Behavior.NORMAL;
  private volatile boolean serving = true;
  private final AtomicLong healthChecks = new AtomicLong();
  private InetSocketAddress boundAddress;

  private TestBackend(Builder builder) {
    this.id = builder.id;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "test-backend-" + builder.id);
      thread.setDaemon(true);
      return thread;
    });
    NettyServerBuilder serverBuilder = NettyServerBuilder.forAddress(builder.address)
        .addService(service())
        .addService(healthService())
        .fallbackHandlerRegistry(new AnyMethod())
        .addTransportFilter(new ConnectionCounter())
        .maxInboundMessageSize(builder.maxInboundMessageSize)
        .maxConcurrentCallsPerConnection(builder.maxConcurrentCallsPerConnection);
    if (builder.flowControlWindow > 0) {
      serverBuilder.flowControlWindow(builder.flowControlWindow);
    }
    if (builder.tls != null) {
      serverBuilder.sslContext(builder.tls);
    }
    if (builder.maxConnectionAge != null) {
      serverBuilder.maxConnectionAge(builder.maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(builder.maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
    this.server = serverBuilder.build();
  }

  /** Starts a backend with default options on {@code host}, on a free port. */
  public static TestBackend start(String id, String host) {
    return builder(id, new InetSocketAddress(host, 0)).start();
  }

  /** A builder for a backend bound to {@code address} (port 0 picks a free port). */
  public static Builder builder(String id, InetSocketAddress address) {
    return new Builder(id, address);
  }

  /** The identity sent in {@code x-backend-id}. */
  public String id() {
    return id;
  }

  /** The bound address, with the actual port (still known after a kill, to start a successor). */
  public InetSocketAddress address() {
    return boundAddress;
  }

  public int port() {
    return address().getPort();
  }

  public BackendStats stats() {
    return stats;
  }

  public Behavior behavior() {
    return behavior;
  }

  /** Sets how calls that start from now on are treated; calls already running keep theirs. */
  public void setBehavior(Behavior behavior) {
    this.behavior = requireNonNull(behavior, "behavior");
  }

  /**
   * Sets what {@code grpc.health.v1.Health/Check} answers: SERVING (the default) or NOT_SERVING.
   * While the behaviour is {@link Behavior#HANG} health checks get no answer at all.
   */
  public void setServing(boolean serving) {
    this.serving = serving;
  }

  /** Health checks received so far. */
  public long healthChecks() {
    return healthChecks.get();
  }

  /**
   * Closes the server abruptly ({@code shutdownNow}): grpc-java resets every open stream
   * (RST_STREAM CANCEL, so a client talking to it directly sees {@code CANCELLED}), closes the
   * connections and the listening socket. Returns once the port is closed.
   */
  public void kill() {
    server.shutdownNow();
    if (!awaitTerminated(TERMINATION_TIMEOUT)) {
      throw new IllegalStateException("backend " + id + " did not terminate");
    }
  }

  /** Begins a graceful shutdown (GOAWAY, no new streams, in-flight calls go on) and returns. */
  public void startDrain() {
    server.shutdown();
  }

  /** Graceful shutdown: {@link #startDrain()}, then waits up to 10 s for in-flight calls. */
  public boolean drain() {
    startDrain();
    return awaitTerminated(TERMINATION_TIMEOUT);
  }

  /** Waits until the server has terminated; returns false on timeout. */
  public boolean awaitTerminated(Duration timeout) {
    try {
      return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public boolean isTerminated() {
    return server.isTerminated();
  }

  @Override
  public void close() {
    try {
      kill();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "TestBackend{" + id + "@" + boundAddress + (server.isShutdown() ? " down" : "") + "}";
  }

  private ServerServiceDefinition service() {
    ServerServiceDefinition.Builder definition =
        ServerServiceDefinition.builder(TestService.SERVICE_NAME);
    for (MethodDescriptor<byte[], byte[]> method : TestService.METHODS) {
      definition.addMethod(method,
          (call, headers) -> EchoCall.start(call, headers, id, behavior, stats, scheduler));
    }
    return definition.build();
  }

  /**
   * {@code grpc.health.v1.Health/Check}, protobuf written by hand: the answer is
   * {@code HealthCheckResponse{status: SERVING (1) or NOT_SERVING (2)}}, whatever service is asked.
   */
  private ServerServiceDefinition healthService() {
    MethodDescriptor<byte[], byte[]> check = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("grpc.health.v1.Health/Check")
        .setRequestMarshaller(TestService.BYTES)
        .setResponseMarshaller(TestService.BYTES)
        .build();
    return ServerServiceDefinition.builder("grpc.health.v1.Health")
        .addMethod(check, ServerCalls.asyncUnaryCall((request, response) -> {
          healthChecks.incrementAndGet();
          if (behavior == Behavior.HANG) {
            return; // accepted, never answered
          }
          response.onNext(new byte[] {0x08, (byte) (serving ? 1 : 2)});
          response.onCompleted();
        }))
        .build();
  }

  /** Every method the backend does not know is a Unary echo (see {@link TestService#unary(String)}). */
  private final class AnyMethod extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      return ServerMethodDefinition.create(TestService.unary(methodName),
          (call, headers) -> EchoCall.start(call, headers, id, behavior, stats, scheduler));
    }
  }

  private final class ConnectionCounter extends ServerTransportFilter {
    @Override
    public Attributes transportReady(Attributes attributes) {
      stats.connectionOpened();
      return attributes;
    }

    @Override
    public void transportTerminated(Attributes attributes) {
      stats.connectionClosed();
    }
  }

  /** Options for one backend; {@link #start()} binds and starts it. */
  public static final class Builder {
    private final String id;
    private final InetSocketAddress address;
    private int maxConcurrentCallsPerConnection = Integer.MAX_VALUE;
    private int flowControlWindow;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private Duration maxConnectionAge;
    private Duration maxConnectionAgeGrace = Duration.ofSeconds(10);
    private SslContext tls;

    private Builder(String id, InetSocketAddress address) {
      this.id = requireNonNull(id, "id");
      this.address = requireNonNull(address, "address");
    }

    /** Advertised as SETTINGS_MAX_CONCURRENT_STREAMS. */
    public Builder maxConcurrentCallsPerConnection(int max) {
      this.maxConcurrentCallsPerConnection = positive(max, "max");
      return this;
    }

    /** Initial HTTP/2 flow-control window (bytes); unset means grpc-java's default (1 MiB). */
    public Builder flowControlWindow(int bytes) {
      this.flowControlWindow = positive(bytes, "bytes");
      return this;
    }

    public Builder maxInboundMessageSize(int bytes) {
      this.maxInboundMessageSize = positive(bytes, "bytes");
      return this;
    }

    /** Sends GOAWAY on each connection after {@code age}, then allows {@code grace} to finish. */
    public Builder maxConnectionAge(Duration age, Duration grace) {
      this.maxConnectionAge = requireNonNull(age, "age");
      this.maxConnectionAgeGrace = requireNonNull(grace, "grace");
      return this;
    }

    /** Serves TLS with this server context ({@link GrpcTls#server}) instead of h2c. */
    public Builder tls(SslContext context) {
      this.tls = requireNonNull(context, "context");
      return this;
    }

    public TestBackend start() {
      TestBackend backend = new TestBackend(this);
      try {
        backend.server.start();
        backend.boundAddress = (InetSocketAddress) backend.server.getListenSockets().get(0);
      } catch (IOException e) {
        backend.scheduler.shutdownNow();
        throw new UncheckedIOException("cannot bind backend " + id + " to " + address, e);
      }
      return backend;
    }

    private static int positive(int value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be > 0: " + value);
      }
      return value;
    }
  }
}
