package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;

/**
 * Builds the request {@link Metadata} that steers a {@link TestService} call, for example
 *
 * <pre>{@code
 * Metadata headers = RequestHeaders.create()
 *     .respondStatus(Status.Code.NOT_FOUND)
 *     .respondMessage("nicht gefunden: 100% ✓")
 *     .echoMetadata()
 *     .custom("x-custom-tenant", "blue")
 *     .customBinary("x-custom-token-bin", new byte[] {0, 1, (byte) 0xff})
 *     .build();
 * }</pre>
 *
 * <p>Each {@link #build()} returns a fresh {@code Metadata}: grpc-java owns the headers once a
 * call starts, so build one per call. The header meanings are listed on {@link TestService}.
 */
public final class RequestHeaders {

  private final Metadata metadata = new Metadata();

  private RequestHeaders() {}

  public static RequestHeaders create() {
    return new RequestHeaders();
  }

  /** No steering headers: a plain successful call. */
  public static Metadata none() {
    return new Metadata();
  }

  /** {@code x-respond-status}: end the call with this code instead of answering. */
  public RequestHeaders respondStatus(Status.Code code) {
    metadata.put(TestService.RESPOND_STATUS, requireNonNull(code, "code").name());
    return this;
  }

  /** {@code x-respond-message}: the status description (any Unicode). */
  public RequestHeaders respondMessage(String message) {
    metadata.put(TestService.RESPOND_MESSAGE, requireNonNull(message, "message"));
    return this;
  }

  /** {@code x-trailers-only: true}: fail at once with a trailers-only response. */
  public RequestHeaders trailersOnly() {
    metadata.put(TestService.TRAILERS_ONLY, "true");
    return this;
  }

  /** {@code x-delay-ms}: start answering only after this delay. */
  public RequestHeaders delay(Duration delay) {
    metadata.put(TestService.DELAY_MS, Long.toString(nonNegativeMillis(delay)));
    return this;
  }

  /** {@code x-read-delay-ms}: ClientStream/BidiStream read one message per this delay. */
  public RequestHeaders readDelay(Duration delay) {
    metadata.put(TestService.READ_DELAY_MS, Long.toString(nonNegativeMillis(delay)));
    return this;
  }

  /** {@code x-echo-metadata: true}: copy {@code x-custom-*} headers back in headers and trailers. */
  public RequestHeaders echoMetadata() {
    metadata.put(TestService.ECHO_METADATA, "true");
    return this;
  }

  /** Adds an ASCII header; {@code name} must start with {@code x-custom-} to be echoed. */
  public RequestHeaders custom(String name, String value) {
    metadata.put(TestService.ascii(name), requireNonNull(value, "value"));
    return this;
  }

  /** Adds a binary header; {@code name} must end with {@code -bin}. */
  public RequestHeaders customBinary(String name, byte[] value) {
    metadata.put(TestService.binary(name), requireNonNull(value, "value"));
    return this;
  }

  /** Adds any other header, for example one the proxy is expected to add or strip. */
  public RequestHeaders put(Metadata.Key<String> key, String value) {
    metadata.put(key, value);
    return this;
  }

  public Metadata build() {
    Metadata copy = new Metadata();
    copy.merge(metadata);
    return copy;
  }

  private static long nonNegativeMillis(Duration delay) {
    long millis = requireNonNull(delay, "delay").toMillis();
    if (millis < 0) {
      throw new IllegalArgumentException("negative delay: " + delay);
    }
    return millis;
  }
}
