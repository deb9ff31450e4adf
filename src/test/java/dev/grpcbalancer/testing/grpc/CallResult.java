package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import java.util.OptionalLong;

/**
 * How a call made by {@link TestClient} ended, as the client saw it.
 *
 * @param status the final status (code and decoded description)
 * @param headers the response headers, or {@code null} if none came: a trailers-only response,
 *     or a call that failed before the server answered
 * @param trailers the trailers (empty if none came)
 * @param messages the response messages, unless the call used {@link ReadPace#discardMessages()}
 * @param messageCount how many response messages arrived
 * @param byteCount their total size in bytes
 * @param streamMismatches ServerStream messages that differ from
 *     {@link TestService#streamMessage(int, int)} (always 0 for other methods)
 */
public record CallResult(
    Status status,
    Metadata headers,
    Metadata trailers,
    List<byte[]> messages,
    long messageCount,
    long byteCount,
    long streamMismatches) {

  public CallResult {
    requireNonNull(status, "status");
    requireNonNull(trailers, "trailers");
    messages = List.copyOf(messages);
  }

  public Status.Code code() {
    return status.getCode();
  }

  /** The status description ({@code grpc-message}, already percent-decoded), or null. */
  public String description() {
    return status.getDescription();
  }

  public boolean isOk() {
    return status.isOk();
  }

  /** True if no response headers arrived before the trailers. */
  public boolean trailersOnly() {
    return headers == null;
  }

  /** The single response message (Unary, ClientStream); fails if there is not exactly one. */
  public byte[] body() {
    if (messages.size() != 1) {
      throw new AssertionError("expected one response message, got " + messages.size()
          + " (status " + status + ")");
    }
    return messages.get(0);
  }

  public String bodyUtf8() {
    return TestService.utf8(body());
  }

  /** {@code x-backend-id} from the headers, else from the trailers; null if neither has it. */
  public String backendId() {
    String id = headers == null ? null : headers.get(TestService.BACKEND_ID);
    return id != null ? id : trailers.get(TestService.BACKEND_ID);
  }

  /** {@code x-observed-deadline-ms}: what the backend saw left of the deadline. */
  public OptionalLong observedDeadlineMs() {
    String value = headers == null ? null : headers.get(TestService.OBSERVED_DEADLINE_MS);
    if (value == null) {
      value = trailers.get(TestService.OBSERVED_DEADLINE_MS);
    }
    return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
  }

  @Override
  public String toString() {
    return "CallResult{" + status + ", backend=" + backendId() + ", messages=" + messageCount
        + ", bytes=" + byteCount + ", trailersOnly=" + trailersOnly() + "}";
  }
}
