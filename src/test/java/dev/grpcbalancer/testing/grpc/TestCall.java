package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One call in progress, started by {@link TestClient}'s {@code start*} methods. The test thread
 * sends ({@link #send}, {@link #sendWhenReady}, {@link #halfClose}), cancels ({@link #cancel}),
 * watches progress ({@link #awaitHeaders}, {@link #awaitMessages}, {@link #awaitPaused}) and
 * collects the outcome ({@link #await(Duration)} or {@link #result()}):
 *
 * <pre>{@code
 * TestCall call = client.startServerStream(64, 256 * 1024, RequestHeaders.none(), null,
 *     ReadPace.pauseAfterBytes(1 << 20));
 * call.awaitPaused(Duration.ofSeconds(5));
 * backend.stats().awaitStalledWriters(1, Duration.ofSeconds(5));   // backpressure reached it
 * call.resume();
 * CallResult result = call.await(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>Responses are read with manual flow control paced by {@link ReadPace}. The await methods
 * block only the calling (test) thread and fail with an {@link AssertionError} on timeout.
 */
public final class TestCall {

  private final ClientCall<byte[], byte[]> call;
  private final ScheduledExecutorService scheduler;
  private final ReadPace pace;
  private final int expectedStreamSize;
  private final CompletableFuture<CallResult> result = new CompletableFuture<>();
  private final Object monitor = new Object();

  // Guarded by monitor.
  private Metadata headers;
  private final List<byte[]> messages = new ArrayList<>();
  private long messageCount;
  private long byteCount;
  private long streamMismatches;
  private boolean paused;
  private boolean resumed;
  private boolean closed;

  private TestCall(ClientCall<byte[], byte[]> call, ScheduledExecutorService scheduler,
      ReadPace pace, int expectedStreamSize) {
    this.call = call;
    this.scheduler = scheduler;
    this.pace = pace;
    this.expectedStreamSize = expectedStreamSize;
  }

  /**
   * Starts {@code method} on {@code channel} and asks for the first response message.
   *
   * @param deadline the call's deadline from now, or null for none
   * @param expectedStreamSize for ServerStream, the message size to verify; -1 to skip
   */
  static TestCall start(Channel channel, MethodDescriptor<byte[], byte[]> method,
      Metadata headers, Duration deadline, ReadPace pace, ScheduledExecutorService scheduler,
      int expectedStreamSize) {
    CallOptions options = CallOptions.DEFAULT;
    if (deadline != null) {
      options = options.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    TestCall testCall = new TestCall(channel.newCall(method, options), scheduler,
        requireNonNull(pace, "pace"), expectedStreamSize);
    testCall.call.start(testCall.new Listener(), requireNonNull(headers, "headers"));
    testCall.call.request(1);
    return testCall;
  }

  /** Sends a request message now, however much is buffered already. */
  public synchronized void send(byte[] message) {
    call.sendMessage(requireNonNull(message, "message"));
  }

  /** Waits until flow control lets the call send without buffering, then sends. */
  public void sendWhenReady(byte[] message, Duration timeout) {
    awaitCondition("call ready to send", () -> closed || call.isReady(), timeout);
    send(message);
  }

  public synchronized void halfClose() {
    call.halfClose();
  }

  /** Cancels the call (RST_STREAM CANCEL on the wire); the result ends CANCELLED. */
  public synchronized void cancel(String reason) {
    call.cancel(reason, null);
  }

  /** Whether the call can send without buffering (outbound flow control). */
  public boolean isReady() {
    return call.isReady();
  }

  /** Reads eagerly from now on, lifting any pause or delay of the {@link ReadPace}. */
  public void resume() {
    boolean wasPaused;
    synchronized (monitor) {
      resumed = true;
      wasPaused = paused;
      paused = false;
    }
    if (wasPaused) {
      call.request(1);
    }
  }

  public long messagesReceived() {
    synchronized (monitor) {
      return messageCount;
    }
  }

  public long bytesReceived() {
    synchronized (monitor) {
      return byteCount;
    }
  }

  /** Whether the call stopped reading because of {@link ReadPace#pauseAfterBytes(long)}. */
  public boolean isPaused() {
    synchronized (monitor) {
      return paused;
    }
  }

  /** Waits for the response headers; fails if the call ended without any (trailers-only). */
  public Metadata awaitHeaders(Duration timeout) {
    awaitCondition("response headers", () -> headers != null || closed, timeout);
    synchronized (monitor) {
      if (headers == null) {
        throw new AssertionError("call ended without headers: " + result.join());
      }
      return headers;
    }
  }

  public void awaitMessages(long n, Duration timeout) {
    awaitCondition(n + " messages", () -> messageCount >= n || closed, timeout);
    synchronized (monitor) {
      if (messageCount < n) {
        throw new AssertionError("call ended after " + messageCount + " messages: " + result.join());
      }
    }
  }

  public void awaitPaused(Duration timeout) {
    awaitCondition("paused reading", () -> paused || closed, timeout);
    if (!isPaused()) {
      throw new AssertionError("call ended before pausing: " + result.join());
    }
  }

  /** Waits for the call to end and returns how it ended. */
  public CallResult await(Duration timeout) {
    awaitCondition("call to end", () -> closed, timeout);
    return result.join();
  }

  /** Completes when the call ends; never completes exceptionally. */
  public CompletableFuture<CallResult> result() {
    return result;
  }

  private void awaitCondition(String description, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!condition.getAsBoolean()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new AssertionError("timed out after " + timeout + " waiting for " + description
              + " (messages=" + messageCount + ", bytes=" + byteCount + ")");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for " + description, e);
        }
      }
    }
  }

  /** Decides, after each message, when to ask for the next one. */
  private void requestNext(long bytesSoFar) {
    boolean pause;
    boolean eager;
    synchronized (monitor) {
      eager = resumed;
      pause = !resumed && bytesSoFar >= pace.pauseAfterBytes();
      paused = pause;
      monitor.notifyAll();
    }
    if (pause) {
      return;
    }
    if (eager || pace.delay().isZero()) {
      call.request(1);
      return;
    }
    try {
      scheduler.schedule(() -> call.request(1), pace.delay().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The client is closing; its channel was shut down first and ends this call.
      call.request(1);
    }
  }

  private final class Listener extends ClientCall.Listener<byte[]> {
    @Override
    public void onHeaders(Metadata responseHeaders) {
      synchronized (monitor) {
        headers = responseHeaders;
        monitor.notifyAll();
      }
    }

    @Override
    public void onMessage(byte[] message) {
      long bytesSoFar;
      synchronized (monitor) {
        if (expectedStreamSize >= 0
            && !TestService.isStreamMessage((int) messageCount, expectedStreamSize, message)) {
          streamMismatches++;
        }
        if (pace.keepMessages()) {
          messages.add(message);
        }
        messageCount++;
        byteCount += message.length;
        bytesSoFar = byteCount;
        monitor.notifyAll();
      }
      requestNext(bytesSoFar);
    }

    @Override
    public void onReady() {
      synchronized (monitor) {
        monitor.notifyAll();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      CallResult outcome;
      synchronized (monitor) {
        outcome = new CallResult(status, headers, trailers, messages, messageCount, byteCount,
            streamMismatches);
      }
      result.complete(outcome);
      synchronized (monitor) {
        closed = true;
        monitor.notifyAll();
      }
    }
  }
}
