package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.testing.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.UnaryOperator;

/**
 * Unary calls without pause from several clients to one target, counting every outcome, for
 * tests that change the proxy under load. Each client is its own {@link TestClient} (one
 * connection, grpc-java retries off so every failure shows) driven by its own thread, one call
 * at a time; every answer must echo its request.
 *
 * <pre>{@code
 * try (SteadyUnaryLoad load = SteadyUnaryLoad.start(proxy, 4)) {
 *   load.awaitSucceeded(100, timeout);
 *   dataPlane.publish(changed);
 *   load.awaitCallsStartedFromNow(timeout);    // every client has finished a call begun after the change
 *   load.awaitSucceeded(load.succeeded() + 100, timeout);
 *   assertThat(load.failures()).isEmpty();
 * }
 * }</pre>
 */
public final class SteadyUnaryLoad implements AutoCloseable {

  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final int MAX_FAILURES_KEPT = 50;
  /** Latencies of the last this many successful calls are kept for {@link #latencyPercentile}. */
  private static final int LATENCIES_KEPT = 1 << 16;

  private final List<TestClient> clients = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Map<String, AtomicLong> byBackend = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  /** Bumped by {@link #awaitCallsStartedFromNow}; each call notes the epoch it started in. */
  private final AtomicLong epoch = new AtomicLong();
  /** Per client: the epoch in which the last call it finished had started. */
  private final AtomicLongArray lastFinishedCallEpoch;
  private final AtomicLongArray latencies = new AtomicLongArray(LATENCIES_KEPT);
  private final AtomicLong latencyCount = new AtomicLong();
  private volatile boolean running = true;

  private SteadyUnaryLoad(InetSocketAddress target, int clientCount, UnaryOperator<TestClient.Builder> options) {
    lastFinishedCallEpoch = new AtomicLongArray(clientCount);
    for (int i = 0; i < clientCount; i++) {
      int index = i;
      TestClient client = options.apply(TestClient.builder(target).disableRetry()).build();
      clients.add(client);
      Thread worker = new Thread(() -> run(index, client), "test-unary-load-" + i);
      worker.setDaemon(true);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
  }

  /** Starts {@code clients} clients calling {@code target} in a loop. */
  public static SteadyUnaryLoad start(InetSocketAddress target, int clients) {
    return start(target, clients, UnaryOperator.identity());
  }

  /** The same with each client's channel set up by {@code options} too (e.g. TLS). */
  public static SteadyUnaryLoad start(InetSocketAddress target, int clients, UnaryOperator<TestClient.Builder> options) {
    requireNonNull(target, "target");
    requireNonNull(options, "options");
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be >= 1: " + clients);
    }
    return new SteadyUnaryLoad(target, clients, options);
  }

  private void run(int index, TestClient client) {
    long sequence = 0;
    while (running) {
      byte[] request = ("call " + index + "/" + sequence++).getBytes(StandardCharsets.US_ASCII);
      long startedIn = epoch.get();
      try {
        long started = System.nanoTime();
        CallResult result = client.unary(request, RequestHeaders.none(), DEADLINE);
        if (result.isOk() && result.messages().size() == 1 && Arrays.equals(result.body(), request)) {
          long slot = latencyCount.getAndIncrement();
          latencies.set((int) (slot % LATENCIES_KEPT), System.nanoTime() - started);
          byBackend.computeIfAbsent(String.valueOf(result.backendId()), id -> new AtomicLong()).incrementAndGet();
          succeeded.incrementAndGet();
        } else if (running) {
          failed(result.toString() + " " + result.description());
        }
      } catch (RuntimeException | AssertionError e) {
        failed(e.toString());
      }
      lastFinishedCallEpoch.set(index, startedIn);
    }
  }

  private void failed(String what) {
    failed.incrementAndGet();
    if (failures.size() < MAX_FAILURES_KEPT) {
      failures.add(what);
    }
  }

  public long succeeded() {
    return succeeded.get();
  }

  /** The first failures (at most 50), empty when every call succeeded. */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  public long failed() {
    return failed.get();
  }

  /**
   * The latency below which {@code percent} of the successful calls finished (of the last 65536),
   * e.g. {@code latencyPercentile(99)}; zero before any call succeeded.
   */
  public Duration latencyPercentile(double percent) {
    int n = (int) Math.min(latencyCount.get(), LATENCIES_KEPT);
    if (n == 0) {
      return Duration.ZERO;
    }
    long[] sorted = new long[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = latencies.get(i);
    }
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percent / 100 * n) - 1;
    return Duration.ofNanos(sorted[Math.max(0, Math.min(n - 1, rank))]);
  }

  /** Successful calls answered by the backend with this {@code x-backend-id}. */
  public long callsTo(String backendId) {
    AtomicLong count = byBackend.get(backendId);
    return count == null ? 0 : count.get();
  }

  /** Successful calls per backend id, sorted by id. */
  public Map<String, Long> callsByBackend() {
    Map<String, Long> copy = new TreeMap<>();
    byBackend.forEach((id, count) -> copy.put(id, count.get()));
    return copy;
  }

  /** Waits until at least {@code total} calls have succeeded since the start. */
  public void awaitSucceeded(long total, Duration timeout) {
    Await.until(timeout, () -> succeeded.get() >= total,
        () -> total + " successful calls; " + this);
  }

  /**
   * Waits until every client has finished a call that it started after this method was called:
   * from then on, no call begun before (say, before a configuration change) is still running.
   */
  public void awaitCallsStartedFromNow(Duration timeout) {
    long mark = epoch.incrementAndGet();
    Await.until(timeout, () -> {
      for (int i = 0; i < lastFinishedCallEpoch.length(); i++) {
        if (lastFinishedCallEpoch.get(i) < mark) {
          return false;
        }
      }
      return true;
    }, () -> "every client to finish a call started after the mark; " + this);
  }

  /** Stops the clients (a call in progress ends first) and closes their connections. */
  @Override
  public void close() {
    running = false;
    for (Thread worker : workers) {
      try {
        worker.join(DEADLINE.plusSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clients.forEach(TestClient::close);
  }

  @Override
  public String toString() {
    return "SteadyUnaryLoad{succeeded=" + succeeded + ", failed=" + failed + ", byBackend="
        + callsByBackend() + ", failures=" + failures() + "}";
  }
}
