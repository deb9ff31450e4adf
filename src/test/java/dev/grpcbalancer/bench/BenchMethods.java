package dev.grpcbalancer.bench;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The benchmark's gRPC service, built by hand (no protoc): {@code bench.Bench/Echo} (unary, the
 * request bytes are echoed), {@code bench.Bench/SlowEcho} (the same, but the first backend answers
 * late: the unary-slow workload) and {@code bench.Bench/Stream} (server streaming: the request is a
 * 4-byte big-endian message size and the server sends messages of that size until cancelled).
 */
final class BenchMethods {
    static final String SERVICE = "bench.Bench";

    /** Raw bytes, zero-copy on the way out (Drainable + KnownLength). */
    static final Marshaller<byte[]> BYTES = new Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /**
     * Client side of the stream: reads the message into a per-thread scratch buffer (so every
     * byte really crosses into the client) and returns only its length, sparing a 1 MiB
     * allocation per message.
     */
    static final Marshaller<Integer> LENGTH_ONLY = new Marshaller<>() {
        private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

        @Override
        public InputStream stream(Integer value) {
            throw new UnsupportedOperationException("client-side parse only");
        }

        @Override
        public Integer parse(InputStream stream) {
            byte[] buf = scratch.get();
            int total = 0;
            try {
                for (int n; (n = stream.read(buf)) > 0; ) {
                    total += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return total;
        }
    };

    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    /** Echo, but the first backend answers after {@code --slow-delay}. */
    static final MethodDescriptor<byte[], byte[]> SLOW_ECHO = ECHO.toBuilder()
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "SlowEcho"))
            .build();

    /** Server's view of the stream method. */
    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodType.SERVER_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    /** Client's view of the same method: same name on the wire, responses parsed to a length. */
    static final MethodDescriptor<byte[], Integer> STREAM_CLIENT = MethodDescriptor.<byte[], Integer>newBuilder()
            .setType(MethodType.SERVER_STREAMING)
            .setFullMethodName(STREAM.getFullMethodName())
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(LENGTH_ONLY)
            .build();

    static byte[] streamRequest(int messageSize) {
        return ByteBuffer.allocate(4).putInt(messageSize).array();
    }

    static int streamMessageSize(byte[] request) {
        return request.length >= 4 ? ByteBuffer.wrap(request).getInt() : 0;
    }

    static byte[] payload(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private static final class BytesStream extends ByteArrayInputStream implements KnownLength, Drainable {
        BytesStream(byte[] buf) {
            super(buf);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }

    private BenchMethods() {}
}
