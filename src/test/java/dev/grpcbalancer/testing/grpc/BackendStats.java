package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Live counters of one {@link TestBackend}, with {@code await*} helpers that block the test thread
 * (never a transport thread) until a condition holds or fail with an {@link AssertionError}.
 *
 * <p>Every call that starts ends exactly once, as <em>completed</em> (grpc-java's
 * {@code onComplete}: the backend closed it and the status went out) or <em>cancelled</em>
 * ({@code onCancel}: client cancel, deadline, RST_STREAM, lost connection or {@link
 * TestBackend#kill()}). {@link #inFlight()} counts calls the handler has not yet closed and that
 * were not cancelled: it drops when the handler closes the call, before the status goes out,
 * because grpc-java runs {@code onComplete} only after the client may already have seen the
 * trailers and opened its next stream. Waiting uses a monitor that every change signals, so no
 * polling and no sleeps:
 *
 * <pre>{@code
 * backend.stats().awaitInFlight(3, Duration.ofSeconds(5));
 * backend.stats().await("one cancel", s -> s.callsCancelled() == 1, Duration.ofSeconds(5));
 * }</pre>
 */
public final class BackendStats {

  /** Request details of one call as the backend saw it (after the proxy). */
  public record ObservedCall(
      String method, Metadata headers, String authority, SocketAddress remoteAddress,
      OptionalLong deadlineMs) {}

  private static final int RECENT_CALLS = 256;

  private final Object monitor = new Object();
  private final Map<String, AtomicLong> startedByMethod = new ConcurrentHashMap<>();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong maxInFlight = new AtomicLong();
  private final AtomicLong requestMessages = new AtomicLong();
  private final AtomicLong requestBytes = new AtomicLong();
  private final AtomicLong responseMessages = new AtomicLong();
  private final AtomicLong responseBytes = new AtomicLong();
  private final AtomicLong stalledWriters = new AtomicLong();
  private final AtomicLong writerStalls = new AtomicLong();
  private final AtomicLong connectionsOpened = new AtomicLong();
  private final AtomicLong connectionsClosed = new AtomicLong();
  private final ArrayDeque<ObservedCall> recentCalls = new ArrayDeque<>();

  BackendStats() {}

  /** Calls started, all methods. */
  public long callsStarted() {
    return started.get();
  }

  /** Calls started for one {@link TestService} method, e.g. {@code TestService.UNARY}. */
  public long callsStarted(MethodDescriptor<?, ?> method) {
    AtomicLong count = startedByMethod.get(method.getFullMethodName());
    return count == null ? 0 : count.get();
  }

  public long callsCompleted() {
    return completed.get();
  }

  public long callsCancelled() {
    return cancelled.get();
  }

  public long inFlight() {
    return inFlight.get();
  }

  /** The most calls ever in flight at once (e.g. to check SETTINGS_MAX_CONCURRENT_STREAMS). */
  public long maxInFlight() {
    return maxInFlight.get();
  }

  public long requestMessages() {
    return requestMessages.get();
  }

  /** Total bytes of request messages read (message payloads, not frames). */
  public long requestBytes() {
    return requestBytes.get();
  }

  public long responseMessages() {
    return responseMessages.get();
  }

  /** Total bytes of response messages handed to grpc-java for sending. */
  public long responseBytes() {
    return responseBytes.get();
  }

  /** ServerStream/BidiStream calls now waiting for flow control ({@code isReady() == false}). */
  public long stalledWriters() {
    return stalledWriters.get();
  }

  /** How many times any writer had to wait for flow control. */
  public long writerStalls() {
    return writerStalls.get();
  }

  /** TCP connections (HTTP/2 transports) accepted so far. */
  public long connectionsOpened() {
    return connectionsOpened.get();
  }

  public long connectionsActive() {
    return connectionsOpened.get() - connectionsClosed.get();
  }

  /** The last calls started (at most 256), oldest first. */
  public List<ObservedCall> recentCalls() {
    synchronized (recentCalls) {
      return List.copyOf(recentCalls);
    }
  }

  /** The most recently started call; fails if there was none. */
  public ObservedCall lastCall() {
    synchronized (recentCalls) {
      if (recentCalls.isEmpty()) {
        throw new AssertionError("no call reached this backend");
      }
      return recentCalls.peekLast();
    }
  }

  /** Waits until exactly {@code n} calls are in flight. */
  public void awaitInFlight(long n, Duration timeout) {
    await("inFlight == " + n, s -> s.inFlight() == n, timeout);
  }

  public void awaitCallsStarted(long n, Duration timeout) {
    await("callsStarted >= " + n, s -> s.callsStarted() >= n, timeout);
  }

  public void awaitCallsCompleted(long n, Duration timeout) {
    await("callsCompleted >= " + n, s -> s.callsCompleted() >= n, timeout);
  }

  public void awaitCallsCancelled(long n, Duration timeout) {
    await("callsCancelled >= " + n, s -> s.callsCancelled() >= n, timeout);
  }

  public void awaitStalledWriters(long n, Duration timeout) {
    await("stalledWriters >= " + n, s -> s.stalledWriters() >= n, timeout);
  }

  /** Blocks until {@code condition} holds, re-checking on every change; fails after timeout. */
  public void await(String description, Predicate<BackendStats> condition, Duration timeout) {
    requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!condition.test(this)) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new AssertionError("timed out after " + timeout + " waiting for " + description
              + "; " + this);
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

  @Override
  public String toString() {
    return "BackendStats{started=" + started + ", completed=" + completed
        + ", cancelled=" + cancelled + ", inFlight=" + inFlight
        + ", requestBytes=" + requestBytes + ", responseBytes=" + responseBytes
        + ", stalledWriters=" + stalledWriters + ", connectionsActive=" + connectionsActive() + "}";
  }

  void callStarted(ObservedCall call) {
    startedByMethod.computeIfAbsent(call.method(), m -> new AtomicLong()).incrementAndGet();
    synchronized (recentCalls) {
      if (recentCalls.size() == RECENT_CALLS) {
        recentCalls.removeFirst();
      }
      recentCalls.addLast(call);
    }
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    bump(started, 1);
  }

  /** The handler closed the call or it was cancelled, whichever came first; once per call. */
  void callLeft() {
    bump(inFlight, -1);
  }

  void callCompleted() {
    bump(completed, 1);
  }

  void callCancelled() {
    bump(cancelled, 1);
  }

  void requestRead(int bytes) {
    requestMessages.incrementAndGet();
    bump(requestBytes, bytes);
  }

  void responseWritten(int bytes) {
    responseMessages.incrementAndGet();
    bump(responseBytes, bytes);
  }

  void writerStalled() {
    writerStalls.incrementAndGet();
    bump(stalledWriters, 1);
  }

  void writerResumed() {
    bump(stalledWriters, -1);
  }

  void connectionOpened() {
    bump(connectionsOpened, 1);
  }

  void connectionClosed() {
    bump(connectionsClosed, 1);
  }

  private void bump(AtomicLong counter, long delta) {
    counter.addAndGet(delta);
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }
}
