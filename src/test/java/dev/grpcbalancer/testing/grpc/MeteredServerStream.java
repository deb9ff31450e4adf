package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@link TestService#SERVER_STREAM} call read against a byte allowance, for streams too long
 * to keep: the reader asks for one message at a time while fewer bytes than the allowance have
 * arrived, then stops asking, so HTTP/2 flow control pushes back on everything upstream, until the
 * test raises the allowance with {@link #allow(long)}. Every message is checked against
 * {@link TestService#streamMessage(int, int)} (so content and order are verified) and then
 * dropped.
 *
 * <pre>{@code
 * MeteredServerStream stream = MeteredServerStream.start(client.channel(), 4096, 65536,
 *     RequestHeaders.none(), 16 << 20);
 * while (stream.awaitAllowanceUsed(timeout)) {
 *   // the reader is stopped: look at what the sender and the proxy hold now
 *   stream.allow(16 << 20);
 * }
 * Status status = stream.await(timeout);
 * }</pre>
 */
public final class MeteredServerStream {

  private final ClientCall<byte[], byte[]> call;
  private final int count;
  private final int size;
  private final Object monitor = new Object();

  // Guarded by monitor.
  private long allowance;
  private long messages;
  private long bytes;
  private long mismatches;
  private boolean stopped;
  private Status status;

  private MeteredServerStream(ClientCall<byte[], byte[]> call, int count, int size, long allowance) {
    this.call = call;
    this.count = count;
    this.size = size;
    this.allowance = allowance;
  }

  /**
   * Starts a ServerStream of {@code count} messages of {@code size} bytes on {@code channel},
   * reading until {@code allowanceBytes} have arrived.
   */
  public static MeteredServerStream start(Channel channel, int count, int size, Metadata headers,
      long allowanceBytes) {
    if (allowanceBytes <= 0) {
      throw new IllegalArgumentException("allowanceBytes must be > 0: " + allowanceBytes);
    }
    MeteredServerStream stream = new MeteredServerStream(
        channel.newCall(TestService.SERVER_STREAM, CallOptions.DEFAULT), count, size, allowanceBytes);
    stream.call.start(stream.new Listener(), requireNonNull(headers, "headers"));
    stream.call.request(1);
    stream.call.sendMessage(TestService.serverStreamRequest(count, size));
    stream.call.halfClose();
    return stream;
  }

  /** Lets the reader take {@code moreBytes} more than allowed so far, and resumes it if stopped. */
  public void allow(long moreBytes) {
    boolean resume;
    synchronized (monitor) {
      allowance += moreBytes;
      resume = stopped && bytes < allowance;
      if (resume) {
        stopped = false;
      }
    }
    if (resume) {
      call.request(1);
    }
  }

  /**
   * Waits until the reader stopped at its allowance (true), or the call ended or every message
   * arrived (false).
   */
  public boolean awaitAllowanceUsed(Duration timeout) {
    awaitCondition("the allowance to be used", () -> stopped || status != null || messages == count,
        timeout);
    synchronized (monitor) {
      return stopped && status == null && messages < count;
    }
  }

  /** Waits for the call to end and returns its status. */
  public Status await(Duration timeout) {
    awaitCondition("the call to end", () -> status != null, timeout);
    synchronized (monitor) {
      return status;
    }
  }

  public long bytesReceived() {
    synchronized (monitor) {
      return bytes;
    }
  }

  public long messagesReceived() {
    synchronized (monitor) {
      return messages;
    }
  }

  /** Messages that were not {@code streamMessage(index, size)} for their position. */
  public long mismatches() {
    synchronized (monitor) {
      return mismatches;
    }
  }

  private void awaitCondition(String description, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!condition.getAsBoolean()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new AssertionError("timed out after " + timeout + " waiting for " + description
              + " (messages=" + messages + ", bytes=" + bytes + ", allowance=" + allowance + ")");
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

  private final class Listener extends ClientCall.Listener<byte[]> {
    @Override
    public void onMessage(byte[] message) {
      boolean more;
      synchronized (monitor) {
        if (!TestService.isStreamMessage((int) messages, size, message)) {
          mismatches++;
        }
        messages++;
        bytes += message.length;
        more = bytes < allowance;
        stopped = !more;
        monitor.notifyAll();
      }
      if (more) {
        call.request(1);
      }
    }

    @Override
    public void onClose(Status closeStatus, Metadata trailers) {
      synchronized (monitor) {
        status = closeStatus;
        monitor.notifyAll();
      }
    }
  }
}
