package dev.grpcbalancer.testing.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One call on a {@link TestBackend}, served as {@link TestService} documents. It uses the
 * {@link ServerCall} API directly (not a stub) because the tests need exact control of what
 * goes on the wire: headers before any message, trailers-only responses, one {@code request(1)}
 * at a time for slow consumers, and writes only while {@link ServerCall#isReady()}.
 *
 * <p>Listener callbacks (serialised by grpc-java) and scheduled tasks (delays, slow reads) both
 * touch the call, so every access to it is under this object's lock. Nothing here blocks.
 */
final class EchoCall extends ServerCall.Listener<byte[]> {

  private enum Mode { ECHO, FAIL_AT_END, TRAILERS_ONLY, HANG }

  private final ServerCall<byte[], byte[]> call;
  private final MethodType type;
  private final BackendStats stats;
  private final ScheduledExecutorService scheduler;
  private final Metadata responseMetadata;
  private final Mode mode;
  private final Status failure;
  private final long readDelayMs;

  // Guarded by this.
  private boolean done;
  private boolean left;
  private byte[] unaryRequest;
  private int[] plan;
  private int sent;
  private boolean writing;
  private boolean readWhenReady;
  private boolean stalled;
  private long totalMessages;
  private long totalBytes;

  private EchoCall(ServerCall<byte[], byte[]> call, BackendStats stats,
      ScheduledExecutorService scheduler, Metadata responseMetadata, Mode mode, Status failure,
      long readDelayMs) {
    this.call = call;
    this.type = call.getMethodDescriptor().getType();
    this.stats = stats;
    this.scheduler = scheduler;
    this.responseMetadata = responseMetadata;
    this.mode = mode;
    this.failure = failure;
    this.readDelayMs = readDelayMs;
  }

  /** The {@code ServerCallHandler} body: records the call, then starts it (maybe delayed). */
  static EchoCall start(ServerCall<byte[], byte[]> call, Metadata headers, String backendId,
      Behavior behavior, BackendStats stats, ScheduledExecutorService scheduler) {
    Deadline deadline = Context.current().getDeadline();
    OptionalLong deadlineMs = deadline == null
        ? OptionalLong.empty() : OptionalLong.of(deadline.timeRemaining(TimeUnit.MILLISECONDS));
    Metadata observedHeaders = new Metadata();
    observedHeaders.merge(headers);
    stats.callStarted(new BackendStats.ObservedCall(call.getMethodDescriptor().getFullMethodName(),
        observedHeaders, call.getAuthority(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), deadlineMs));

    Metadata response = new Metadata();
    response.put(TestService.BACKEND_ID, backendId);
    deadlineMs.ifPresent(ms -> response.put(TestService.OBSERVED_DEADLINE_MS, Long.toString(ms)));
    String grpcTimeout = headers.get(TestService.GRPC_TIMEOUT);
    if (grpcTimeout != null) {
      response.put(TestService.OBSERVED_GRPC_TIMEOUT, grpcTimeout);
    }
    if ("true".equals(headers.get(TestService.ECHO_METADATA))) {
      copyCustomHeaders(headers, response);
    }

    Mode mode;
    Status failure = Status.OK;
    long delayMs = 0;
    long readDelayMs = 0;
    try {
      delayMs = millis(headers, TestService.DELAY_MS);
      readDelayMs = millis(headers, TestService.READ_DELAY_MS);
      Status.Code code = statusCode(headers.get(TestService.RESPOND_STATUS));
      String message = headers.get(TestService.RESPOND_MESSAGE);
      if (behavior == Behavior.FAIL_UNAVAILABLE) {
        mode = Mode.TRAILERS_ONLY;
        failure = Status.UNAVAILABLE.withDescription("backend " + backendId + " is failing calls");
      } else if (behavior == Behavior.HANG) {
        mode = Mode.HANG;
      } else if ("true".equals(headers.get(TestService.TRAILERS_ONLY))) {
        mode = Mode.TRAILERS_ONLY;
        code = code == Status.Code.OK ? TestService.DEFAULT_TRAILERS_ONLY_CODE : code;
        failure = Status.fromCode(code).withDescription(message);
      } else if (code != Status.Code.OK) {
        mode = Mode.FAIL_AT_END;
        failure = Status.fromCode(code).withDescription(message);
      } else {
        mode = Mode.ECHO;
      }
    } catch (IllegalArgumentException e) {
      mode = Mode.TRAILERS_ONLY;
      failure = Status.INVALID_ARGUMENT.withDescription("bad steering header: " + e.getMessage());
      delayMs = 0;
    }

    EchoCall echoCall = new EchoCall(call, stats, scheduler, response, mode, failure, readDelayMs);
    echoCall.schedule(echoCall::begin, delayMs);
    return echoCall;
  }

  @Override
  public void onMessage(byte[] message) {
    stats.requestRead(message.length);
    synchronized (this) {
      if (done) {
        return;
      }
      if (mode != Mode.ECHO) {
        readNext();
        return;
      }
      switch (type) {
        case UNARY -> unaryRequest = message;
        case SERVER_STREAMING -> acceptPlan(message);
        case CLIENT_STREAMING -> {
          totalMessages++;
          totalBytes += message.length;
          readNext();
        }
        case BIDI_STREAMING -> {
          send(message);
          readNext();
        }
        default -> close(Status.UNIMPLEMENTED.withDescription(type.name()));
      }
    }
  }

  @Override
  public synchronized void onHalfClose() {
    if (done || mode == Mode.HANG) {
      return;
    }
    if (mode == Mode.FAIL_AT_END) {
      close(failure);
      return;
    }
    switch (type) {
      case UNARY -> {
        if (unaryRequest == null) {
          close(Status.INVALID_ARGUMENT.withDescription("no request message"));
        } else {
          send(unaryRequest);
          close(Status.OK);
        }
      }
      case SERVER_STREAMING -> {
        if (plan == null) {
          close(Status.INVALID_ARGUMENT.withDescription("no request message"));
        } else {
          writing = true;
          pump();
        }
      }
      case CLIENT_STREAMING -> {
        send(new TestService.Totals(totalMessages, totalBytes).toBytes());
        close(Status.OK);
      }
      default -> close(Status.OK);
    }
  }

  @Override
  public synchronized void onReady() {
    if (done) {
      return;
    }
    unstall();
    if (writing) {
      pump();
    } else if (readWhenReady) {
      readWhenReady = false;
      readNow();
    }
  }

  @Override
  public void onCancel() {
    synchronized (this) {
      done = true;
      unstall();
      leave();
    }
    stats.callCancelled();
  }

  @Override
  public void onComplete() {
    synchronized (this) {
      leave();
    }
    stats.callCompleted();
  }

  private void leave() {
    if (!left) {
      left = true;
      stats.callLeft();
    }
  }

  private synchronized void begin() {
    if (done) {
      return;
    }
    switch (mode) {
      case TRAILERS_ONLY -> close(failure);
      case HANG -> call.request(1);
      default -> {
        call.sendHeaders(copy(responseMetadata));
        call.request(1);
      }
    }
  }

  private void acceptPlan(byte[] request) {
    try {
      plan = TestService.parseServerStreamRequest(request);
    } catch (IllegalArgumentException e) {
      close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
  }

  /** Writes ServerStream messages while the call is ready; onReady resumes it. */
  private void pump() {
    int count = plan[0];
    int size = plan[1];
    while (sent < count && call.isReady()) {
      send(TestService.streamMessage(sent, size));
      sent++;
    }
    if (sent == count) {
      close(Status.OK);
    } else {
      stall();
    }
  }

  /** Asks for the next request message, after {@code x-read-delay-ms} if set. */
  private void readNext() {
    if (readDelayMs > 0) {
      schedule(this::readNowLocked, readDelayMs);
    } else {
      readNow();
    }
  }

  private synchronized void readNowLocked() {
    if (!done) {
      readNow();
    }
  }

  /** BidiStream reads only while it can write its echo: backpressure reaches the client. */
  private void readNow() {
    if (type == MethodType.BIDI_STREAMING && mode == Mode.ECHO && !call.isReady()) {
      readWhenReady = true;
      stall();
      return;
    }
    call.request(1);
  }

  private void send(byte[] message) {
    call.sendMessage(message);
    stats.responseWritten(message.length);
  }

  private void close(Status status) {
    if (done) {
      return;
    }
    done = true;
    unstall();
    leave();
    call.close(status, copy(responseMetadata));
  }

  private void stall() {
    if (!stalled) {
      stalled = true;
      stats.writerStalled();
    }
  }

  private void unstall() {
    if (stalled) {
      stalled = false;
      stats.writerResumed();
    }
  }

  private void schedule(Runnable task, long delayMs) {
    if (delayMs <= 0) {
      task.run();
      return;
    }
    try {
      scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // The backend is closing: its server was shut down first, so this call is being cancelled.
      synchronized (this) {
        done = true;
      }
    }
  }

  private static Metadata copy(Metadata metadata) {
    Metadata copy = new Metadata();
    copy.merge(metadata);
    return copy;
  }

  private static void copyCustomHeaders(Metadata from, Metadata to) {
    for (String name : from.keys()) {
      if (!name.startsWith(TestService.CUSTOM_PREFIX)) {
        continue;
      }
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Metadata.Key<byte[]> key = TestService.binary(name);
        from.getAll(key).forEach(value -> to.put(key, value));
      } else {
        Metadata.Key<String> key = TestService.ascii(name);
        from.getAll(key).forEach(value -> to.put(key, value));
      }
    }
  }

  private static long millis(Metadata headers, Metadata.Key<String> key) {
    String value = headers.get(key);
    if (value == null) {
      return 0;
    }
    long millis = Long.parseLong(value.trim());
    if (millis < 0) {
      throw new IllegalArgumentException(key.name() + " is negative: " + value);
    }
    return millis;
  }

  private static Status.Code statusCode(String value) {
    if (value == null) {
      return Status.Code.OK;
    }
    String trimmed = value.trim();
    if (!trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)) {
      Status status = Status.fromCodeValue(Integer.parseInt(trimmed));
      if (status.getCode() == Status.Code.UNKNOWN && !"2".equals(trimmed)) {
        throw new IllegalArgumentException("unknown status code " + value);
      }
      return status.getCode();
    }
    return Status.Code.valueOf(trimmed);
  }
}
