package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link TestCall} reads response messages. The client uses manual flow control: it asks
 * grpc-java for one message at a time ({@code ClientCall.request(1)}), so a slow pace keeps the
 * HTTP/2 window closed and pushes back on the proxy and the backend.
 *
 * <ul>
 *   <li>{@link #eager()}: ask for the next message as soon as one arrives.
 *   <li>{@link #every(Duration)}: ask for the next one {@code delay} after the previous arrived
 *       (on a scheduler; no thread sleeps).
 *   <li>{@link #pauseAfterBytes(long)}: read eagerly until this many bytes arrived, then stop
 *       until {@link TestCall#resume()}.
 * </ul>
 *
 * <p>{@link #discardMessages()} only counts (and, for ServerStream, verifies) messages instead of
 * keeping them, for streams of hundreds of MiB.
 */
public record ReadPace(Duration delay, long pauseAfterBytes, boolean keepMessages) {

  public ReadPace {
    requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("negative delay: " + delay);
    }
    if (pauseAfterBytes <= 0) {
      throw new IllegalArgumentException("pauseAfterBytes must be > 0: " + pauseAfterBytes);
    }
  }

  public static ReadPace eager() {
    return new ReadPace(Duration.ZERO, Long.MAX_VALUE, true);
  }

  public static ReadPace every(Duration delay) {
    return new ReadPace(delay, Long.MAX_VALUE, true);
  }

  public static ReadPace pauseAfterBytes(long bytes) {
    return new ReadPace(Duration.ZERO, bytes, true);
  }

  /** The same pace, counting messages without keeping them. */
  public ReadPace discardMessages() {
    return new ReadPace(delay, pauseAfterBytes, false);
  }
}
