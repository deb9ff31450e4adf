package dev.grpcbalancer.testing.grpc;

/**
 * What a {@link TestBackend} does with the calls it accepts, set with
 * {@link TestBackend#setBehavior(Behavior)}. A call keeps the behaviour it started with.
 */
public enum Behavior {
  /** Serve {@link TestService} as documented there (the default). */
  NORMAL,
  /**
   * Accept the call and read its request messages, but never send headers, messages or status:
   * the call stays in flight until the client cancels, its deadline passes or the backend dies.
   */
  HANG,
  /** Answer every call at once with a trailers-only {@code UNAVAILABLE} (and {@code x-backend-id}). */
  FAIL_UNAVAILABLE
}
