package dev.grpcbalancer.demo;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code grpc.health.v1.Health/Check} with the two protobuf messages written out by hand, so the
 * jar needs neither grpc-services nor protobuf-java (about 3 MB together) for one tiny method:
 * <pre>
 * message HealthCheckRequest  { string service = 1; }
 * message HealthCheckResponse { ServingStatus status = 1; }   // UNKNOWN=0 SERVING=1 NOT_SERVING=2 SERVICE_UNKNOWN=3
 * </pre>
 * Decoding skips unknown fields, as protobuf does; a malformed message is an
 * {@link IllegalArgumentException}, which grpc-java turns into an INTERNAL status.
 */
final class HealthCheck {

    static final String SERVICE_NAME = "grpc.health.v1.Health";

    /** The request is the name of the service asked about ({@code ""} for the whole server). */
    static final MethodDescriptor<String, ServingStatus> CHECK = MethodDescriptor.<String, ServingStatus>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, "Check"))
            .setRequestMarshaller(new RequestMarshaller())
            .setResponseMarshaller(new ResponseMarshaller())
            .build();

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_FIXED64 = 1;
    private static final int WIRE_LENGTH_DELIMITED = 2;
    private static final int WIRE_FIXED32 = 5;

    private HealthCheck() {
    }

    /** {@code grpc.health.v1.HealthCheckResponse.ServingStatus}. */
    enum ServingStatus {
        UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN;

        /** Protobuf keeps unknown enum numbers; here they read as UNKNOWN, which no one mistakes for SERVING. */
        static ServingStatus of(long number) {
            return number >= 0 && number < values().length ? values()[(int) number] : UNKNOWN;
        }
    }

    private static final class RequestMarshaller implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String service) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] bytes = service.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0) { // proto3 leaves default values out
                writeVarint(out, 1 << 3 | WIRE_LENGTH_DELIMITED);
                writeVarint(out, bytes.length);
                out.writeBytes(bytes);
            }
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public String parse(InputStream stream) {
            Reader reader = new Reader(readAll(stream));
            String service = "";
            while (reader.hasMore()) {
                long tag = reader.varint();
                if (tag == (1 << 3 | WIRE_LENGTH_DELIMITED)) {
                    service = new String(reader.lengthDelimited(), StandardCharsets.UTF_8);
                } else {
                    reader.skip((int) (tag & 7));
                }
            }
            return service;
        }
    }

    private static final class ResponseMarshaller implements MethodDescriptor.Marshaller<ServingStatus> {
        @Override
        public InputStream stream(ServingStatus status) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (status.ordinal() != 0) {
                writeVarint(out, 1 << 3 | WIRE_VARINT);
                writeVarint(out, status.ordinal());
            }
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public ServingStatus parse(InputStream stream) {
            Reader reader = new Reader(readAll(stream));
            ServingStatus status = ServingStatus.UNKNOWN;
            while (reader.hasMore()) {
                long tag = reader.varint();
                if (tag == (1 << 3 | WIRE_VARINT)) {
                    status = ServingStatus.of(reader.varint());
                } else {
                    reader.skip((int) (tag & 7));
                }
            }
            return status;
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            out.write((int) (rest & 0x7F | 0x80));
            rest >>>= 7;
        }
        out.write((int) rest);
    }

    private static byte[] readAll(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads protobuf wire format from a byte array. */
    private static final class Reader {
        private final byte[] bytes;
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        boolean hasMore() {
            return position < bytes.length;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        byte[] lengthDelimited() {
            long length = varint();
            if (length < 0 || length > bytes.length - position) {
                throw new IllegalArgumentException("field length " + length + " past the end of the message");
            }
            byte[] value = new byte[(int) length];
            System.arraycopy(bytes, position, value, 0, value.length);
            position += value.length;
            return value;
        }

        void skip(int wireType) {
            switch (wireType) {
                case WIRE_VARINT -> varint();
                case WIRE_FIXED64 -> advance(8);
                case WIRE_LENGTH_DELIMITED -> lengthDelimited();
                case WIRE_FIXED32 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
            }
        }

        private void advance(int count) {
            if (count > bytes.length - position) {
                throw new IllegalArgumentException("field past the end of the message");
            }
            position += count;
        }

        private byte next() {
            if (position >= bytes.length) {
                throw new IllegalArgumentException("message ends inside a field");
            }
            return bytes[position++];
        }
    }
}
