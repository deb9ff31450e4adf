package dev.grpcbalancer.testing.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code test.Echo} gRPC service served by {@link TestBackend} and called by {@link TestClient}:
 * hand-built method descriptors over raw {@code byte[]} messages (no protoc), the metadata keys
 * that steer a call, and the tiny message formats.
 *
 * <h2>Methods</h2>
 * <ul>
 *   <li>{@link #UNARY} {@code /test.Echo/Unary}: answers with the request bytes.
 *   <li>{@link #SERVER_STREAM} {@code /test.Echo/ServerStream}: the request is
 *       {@link #serverStreamRequest(int, int)} (ASCII {@code "<count> <size>"}); the answer is
 *       {@code count} messages of {@code size} bytes, message {@code i} being
 *       {@link #streamMessage(int, int) streamMessage(i, size)}. The backend writes only while the
 *       call is ready (HTTP/2 flow control), so a slow reader holds it back.
 *   <li>{@link #CLIENT_STREAM} {@code /test.Echo/ClientStream}: answers once, after the client
 *       half-closes, with {@link Totals} (ASCII {@code "<messages> <bytes>"}) of what it read.
 *   <li>{@link #BIDI_STREAM} {@code /test.Echo/BidiStream}: echoes each message as it arrives;
 *       it reads the next one only while it can write (so a client that stops reading stops it).
 * </ul>
 *
 * <h2>Request headers (see {@link RequestHeaders} to build them)</h2>
 * <ul>
 *   <li>{@code x-respond-status}: a {@link Status.Code} name or number. A non-OK code makes the
 *       backend send response headers, read the whole request (until half-close) and then close
 *       with that code, sending no response message.
 *   <li>{@code x-respond-message}: the status description, any Unicode text (the header value is
 *       UTF-8, percent-encoded by {@link #RESPOND_MESSAGE}'s marshaller).
 *   <li>{@code x-trailers-only}: {@code true} makes the backend close at once, before reading
 *       anything, with no headers and no message: a trailers-only response. Its code is
 *       {@code x-respond-status}, or {@code FAILED_PRECONDITION} if that is absent or OK.
 *   <li>{@code x-delay-ms}: the backend does nothing visible for this long after the call starts
 *       (no headers, no reads), then behaves as asked. Scheduled, never a blocked thread.
 *   <li>{@code x-read-delay-ms}: ClientStream and BidiStream ask for the next request message
 *       only this long after the previous one arrived (a slow consumer).
 *   <li>{@code x-echo-metadata}: {@code true} copies every request header whose name starts with
 *       {@code x-custom-} (ASCII and {@code -bin}, all values, in order) into the response
 *       headers and the trailers.
 * </ul>
 *
 * <h2>Response headers and trailers (always, trailers-only included)</h2>
 * <ul>
 *   <li>{@code x-backend-id}: the identity of the backend that served the call.
 *   <li>{@code x-observed-deadline-ms}: milliseconds left on the call's deadline when the backend
 *       started it ({@code Context.current().getDeadline()}); absent when the call has none.
 *   <li>{@code x-observed-grpc-timeout}: the raw {@code grpc-timeout} request header, if any.
 * </ul>
 */
public final class TestService {

  public static final String SERVICE_NAME = "test.Echo";

  /** Marshals {@code byte[]} messages as they are. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new BytesMarshaller();

  public static final MethodDescriptor<byte[], byte[]> UNARY = method(MethodType.UNARY, "Unary");
  public static final MethodDescriptor<byte[], byte[]> SERVER_STREAM =
      method(MethodType.SERVER_STREAMING, "ServerStream");
  public static final MethodDescriptor<byte[], byte[]> CLIENT_STREAM =
      method(MethodType.CLIENT_STREAMING, "ClientStream");
  public static final MethodDescriptor<byte[], byte[]> BIDI_STREAM =
      method(MethodType.BIDI_STREAMING, "BidiStream");

  /** All four methods, in the order above. */
  public static final List<MethodDescriptor<byte[], byte[]>> METHODS =
      List.of(UNARY, SERVER_STREAM, CLIENT_STREAM, BIDI_STREAM);

  public static final Metadata.Key<String> RESPOND_STATUS = ascii("x-respond-status");
  public static final Metadata.Key<String> RESPOND_MESSAGE =
      Metadata.Key.of("x-respond-message", PercentEncodedUtf8.INSTANCE);
  public static final Metadata.Key<String> TRAILERS_ONLY = ascii("x-trailers-only");
  public static final Metadata.Key<String> DELAY_MS = ascii("x-delay-ms");
  public static final Metadata.Key<String> READ_DELAY_MS = ascii("x-read-delay-ms");
  public static final Metadata.Key<String> ECHO_METADATA = ascii("x-echo-metadata");
  /** Request headers with this name prefix are copied back when {@code x-echo-metadata: true}. */
  public static final String CUSTOM_PREFIX = "x-custom-";

  public static final Metadata.Key<String> BACKEND_ID = ascii("x-backend-id");
  public static final Metadata.Key<String> OBSERVED_DEADLINE_MS = ascii("x-observed-deadline-ms");
  public static final Metadata.Key<String> OBSERVED_GRPC_TIMEOUT = ascii("x-observed-grpc-timeout");
  /** The standard {@code grpc-timeout} request header, for reading what arrived. */
  public static final Metadata.Key<String> GRPC_TIMEOUT = ascii("grpc-timeout");

  /** The status code used by {@code x-trailers-only} when no non-OK code is asked for. */
  public static final Status.Code DEFAULT_TRAILERS_ONLY_CODE = Status.Code.FAILED_PRECONDITION;

  private TestService() {}

  /** An ASCII-valued metadata key. */
  public static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** A binary metadata key; {@code name} must end with {@code -bin}. */
  public static Metadata.Key<byte[]> binary(String name) {
    return Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The ServerStream request asking for {@code count} messages of {@code size} bytes. */
  public static byte[] serverStreamRequest(int count, int size) {
    if (count < 0 || size < 0) {
      throw new IllegalArgumentException("count and size must be >= 0: " + count + " " + size);
    }
    return (count + " " + size).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses a ServerStream request into {@code {count, size}}.
   *
   * @throws IllegalArgumentException if it is not two non-negative decimal numbers
   */
  static int[] parseServerStreamRequest(byte[] request) {
    String[] parts = new String(request, StandardCharsets.US_ASCII).trim().split(" ");
    try {
      if (parts.length == 2) {
        int count = Integer.parseInt(parts[0]);
        int size = Integer.parseInt(parts[1]);
        if (count >= 0 && size >= 0) {
          return new int[] {count, size};
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not '<count> <size>': " + utf8(request), e);
    }
    throw new IllegalArgumentException("not '<count> <size>': " + utf8(request));
  }

  /** Message {@code index} of a ServerStream answer: byte {@code j} is {@code (byte) (index + j)}. */
  public static byte[] streamMessage(int index, int size) {
    byte[] message = new byte[size];
    for (int j = 0; j < size; j++) {
      message[j] = (byte) (index + j);
    }
    return message;
  }

  /** Whether {@code message} is exactly {@link #streamMessage(int, int) streamMessage(index, size)}. */
  public static boolean isStreamMessage(int index, int size, byte[] message) {
    if (message.length != size) {
      return false;
    }
    for (int j = 0; j < size; j++) {
      if (message[j] != (byte) (index + j)) {
        return false;
      }
    }
    return true;
  }

  /** What ClientStream read: its answer, encoded as ASCII {@code "<messages> <bytes>"}. */
  public record Totals(long messages, long bytes) {

    public Totals {
      if (messages < 0 || bytes < 0) {
        throw new IllegalArgumentException("negative totals: " + messages + " " + bytes);
      }
    }

    public byte[] toBytes() {
      return (messages + " " + bytes).getBytes(StandardCharsets.US_ASCII);
    }

    public static Totals parse(byte[] body) {
      String[] parts = new String(requireNonNull(body, "body"), StandardCharsets.US_ASCII).split(" ");
      if (parts.length != 2) {
        throw new IllegalArgumentException("not '<messages> <bytes>': " + utf8(body));
      }
      return new Totals(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
  }

  /**
   * A Unary method of any name, e.g. {@code shop.Cart/Get}: {@link TestBackend} answers every
   * method it does not know as {@link #UNARY} does (routing tests call many services).
   */
  public static MethodDescriptor<byte[], byte[]> unary(String fullMethodName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodType.UNARY)
        .setFullMethodName(requireNonNull(fullMethodName, "fullMethodName"))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static MethodDescriptor<byte[], byte[]> method(MethodType type, String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try (stream) {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Any Unicode text in an ASCII header: UTF-8 bytes outside printable ASCII, and {@code %}
   * itself, become {@code %XX} (the same scheme as {@code grpc-message}).
   */
  static final class PercentEncodedUtf8 implements Metadata.AsciiMarshaller<String> {
    static final PercentEncodedUtf8 INSTANCE = new PercentEncodedUtf8();

    @Override
    public String toAsciiString(String value) {
      StringBuilder out = new StringBuilder();
      for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
        if (b >= 0x20 && b < 0x7f && b != '%') {
          out.append((char) b);
        } else {
          out.append('%').append(String.format("%02X", b & 0xff));
        }
      }
      return out.toString();
    }

    @Override
    public String parseAsciiString(String serialized) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(serialized.length());
      for (int i = 0; i < serialized.length(); i++) {
        char c = serialized.charAt(i);
        if (c == '%' && i + 2 < serialized.length()) {
          out.write(Integer.parseInt(serialized.substring(i + 1, i + 3), 16));
          i += 2;
        } else {
          out.write(c);
        }
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
