package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A real grpc-java client of {@link TestService}: one {@link ManagedChannel} (Netty, plaintext,
 * a single address, so one TCP connection carrying every call as its own HTTP/2 stream).
 *
 * <pre>{@code
 * try (TestClient client = TestClient.connect(proxyAddress)) {
 *   CallResult r = client.unary(TestService.utf8("hi"), RequestHeaders.none(), Duration.ofSeconds(5));
 *   assertThat(r.code()).isEqualTo(Status.Code.OK);
 *   assertThat(r.backendId()).isIn("a", "b");
 *
 *   List<TestCall> calls = IntStream.range(0, 100)
 *       .mapToObj(i -> client.startUnary(new byte[10], RequestHeaders.none(), Duration.ofSeconds(5)))
 *       .toList();
 * }
 * }</pre>
 *
 * <p>The blocking helpers ({@link #unary}, {@link #serverStream}, {@link #clientStream},
 * {@link #bidi}) wait for the deadline plus 10 s (30 s without one) and then fail with an
 * {@link AssertionError}. The {@code start*} methods return a {@link TestCall} to drive by hand:
 * send, cancel, read slowly, await progress. {@code deadline} may be null for no deadline;
 * headers are owned by grpc-java once passed, so build fresh ones per call.
 */
public final class TestClient implements AutoCloseable {

  /** Max inbound message size: 64 MiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024;
  private static final Duration WAIT_MARGIN = Duration.ofSeconds(10);
  private static final Duration WAIT_WITHOUT_DEADLINE = Duration.ofSeconds(30);

  private final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;

  private TestClient(ManagedChannel channel) {
    this.channel = channel;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "test-client-reader");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** A client of {@code target} with default options. */
  public static TestClient connect(InetSocketAddress target) {
    return builder(target).build();
  }

  public static Builder builder(InetSocketAddress target) {
    return new Builder(target);
  }

  /** The underlying channel, for anything the helpers do not cover. */
  public ManagedChannel channel() {
    return channel;
  }

  public CallResult unary(byte[] payload, Metadata headers, Duration deadline) {
    return startUnary(payload, headers, deadline).await(waitFor(deadline));
  }

  /** A Unary call of any method, e.g. {@code shop.Cart/Get} (the test backends echo them all). */
  public CallResult unary(String fullMethodName, byte[] payload, Metadata headers, Duration deadline) {
    TestCall call = start(TestService.unary(fullMethodName), headers, deadline, ReadPace.eager());
    call.send(requireNonNull(payload, "payload"));
    call.halfClose();
    return call.await(waitFor(deadline));
  }

  /** Starts a Unary call without waiting: for many concurrent calls, or to cancel one. */
  public TestCall startUnary(byte[] payload, Metadata headers, Duration deadline) {
    TestCall call = start(TestService.UNARY, headers, deadline, ReadPace.eager());
    call.send(requireNonNull(payload, "payload"));
    call.halfClose();
    return call;
  }

  /** A ServerStream of {@code count} messages of {@code size} bytes, read eagerly. */
  public CallResult serverStream(int count, int size, Metadata headers, Duration deadline) {
    return startServerStream(count, size, headers, deadline, ReadPace.eager())
        .await(waitFor(deadline));
  }

  /** Starts a ServerStream read at {@code pace}; messages are verified against the pattern. */
  public TestCall startServerStream(int count, int size, Metadata headers, Duration deadline,
      ReadPace pace) {
    TestCall call = TestCall.start(channel, TestService.SERVER_STREAM, headers, deadline, pace,
        scheduler, size);
    call.send(TestService.serverStreamRequest(count, size));
    call.halfClose();
    return call;
  }

  /** Sends {@code messages} (waiting for flow control before each), half-closes, awaits totals. */
  public CallResult clientStream(List<byte[]> messages, Metadata headers, Duration deadline) {
    return sendAll(start(TestService.CLIENT_STREAM, headers, deadline, ReadPace.eager()),
        messages, deadline);
  }

  /** Sends {@code messages} and half-closes; the result holds the echoes. */
  public CallResult bidi(List<byte[]> messages, Metadata headers, Duration deadline) {
    return sendAll(start(TestService.BIDI_STREAM, headers, deadline, ReadPace.eager()),
        messages, deadline);
  }

  /**
   * Starts any {@link TestService} method without sending anything: send and half-close through
   * the returned call. ServerStream messages are not verified this way.
   */
  public TestCall start(MethodDescriptor<byte[], byte[]> method, Metadata headers,
      Duration deadline, ReadPace pace) {
    return TestCall.start(channel, method, headers, deadline, pace, scheduler, -1);
  }

  /** Shuts the channel down at once (cancelling calls still running). */
  @Override
  public void close() {
    try {
      channel.shutdownNow();
      if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("channel did not terminate: " + channel);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      scheduler.shutdownNow();
    }
  }

  private CallResult sendAll(TestCall call, List<byte[]> messages, Duration deadline) {
    Duration wait = waitFor(deadline);
    for (byte[] message : messages) {
      call.sendWhenReady(message, wait);
    }
    call.halfClose();
    return call.await(wait);
  }

  private static Duration waitFor(Duration deadline) {
    return deadline == null ? WAIT_WITHOUT_DEADLINE : deadline.plus(WAIT_MARGIN);
  }

  /** Channel options; {@link #build()} creates the channel (it connects on the first call). */
  public static final class Builder {
    private final InetSocketAddress target;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private int flowControlWindow;
    private String authority;
    private boolean retry = true;
    private SslContext tls;

    private Builder(InetSocketAddress target) {
      this.target = requireNonNull(target, "target");
    }

    /** A fixed HTTP/2 flow-control window (bytes); also turns off grpc-java's BDP auto-tuning. */
    public Builder flowControlWindow(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("bytes must be > 0: " + bytes);
      }
      this.flowControlWindow = bytes;
      return this;
    }

    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("bytes must be > 0: " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** The {@code :authority} to send instead of {@code host:port}. */
    public Builder authority(String authority) {
      this.authority = requireNonNull(authority, "authority");
      return this;
    }

    /**
     * TLS with this client context ({@link GrpcTls}) instead of plaintext; the authority (see
     * {@link #authority}) is the SNI name and the name the server's certificate must be for.
     */
    public Builder tls(SslContext context) {
      this.tls = requireNonNull(context, "context");
      return this;
    }

    /** Turns off grpc-java retries, transparent ones included, so every attempt is visible. */
    public Builder disableRetry() {
      this.retry = false;
      return this;
    }

    public TestClient build() {
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress(target)
          .maxInboundMessageSize(maxInboundMessageSize);
      if (tls != null) {
        builder.sslContext(tls);
      } else {
        builder.usePlaintext();
      }
      if (flowControlWindow > 0) {
        builder.flowControlWindow(flowControlWindow);
      }
      if (authority != null) {
        builder.overrideAuthority(authority);
      }
      if (!retry) {
        builder.disableRetry();
      }
      return new TestClient(builder.build());
    }
  }
}
