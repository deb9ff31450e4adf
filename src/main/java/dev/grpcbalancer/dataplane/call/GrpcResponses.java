package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.GrpcCode;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Builds the responses the proxy produces itself (gRPC trailers-only and plain HTTP errors) and
 * reads the gRPC status of the ones it relays.
 */
public final class GrpcResponses {

    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    public static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString STATUS_200 = AsciiString.cached("200");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** {@code grpc-status} header values by code. */
    private static final AsciiString[] STATUS_VALUES = new AsciiString[GrpcCode.values().length];

    static {
        for (GrpcCode code : GrpcCode.values()) {
            STATUS_VALUES[code.value()] = AsciiString.cached(Integer.toString(code.value()));
        }
    }

    private GrpcResponses() {}

    /** A trailers-only response: HTTP 200 with the gRPC status in the only HEADERS frame. */
    static Http2Headers trailersOnly(GrpcCode status, String message) {
        Http2Headers headers = new DefaultHttp2Headers()
                .status(STATUS_200)
                .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        return addStatus(headers, status, message);
    }

    /** Trailers after response headers were already sent: only the gRPC status. */
    static Http2Headers trailers(GrpcCode status, String message) {
        return addStatus(new DefaultHttp2Headers(), status, message);
    }

    /**
     * An HTTP error for a request that is not gRPC, as gRPC servers answer it: the HTTP status,
     * a text body (sent by the caller), and a gRPC status for gRPC clients that get it anyway.
     */
    static Http2Headers httpError(int httpStatus, GrpcCode status, String message) {
        Http2Headers headers = new DefaultHttp2Headers()
                .status(Integer.toString(httpStatus))
                .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (httpStatus == 405) {
            headers.set(io.netty.handler.codec.http.HttpHeaderNames.ALLOW, "POST");
        }
        return addStatus(headers, status, message);
    }

    private static Http2Headers addStatus(Http2Headers headers, GrpcCode status, String message) {
        headers.set(GRPC_STATUS, STATUS_VALUES[status.value()]);
        if (message != null && !message.isEmpty()) {
            headers.set(GRPC_MESSAGE, percentEncode(message));
        }
        return headers;
    }

    /**
     * The status a client gets when a backend resets a stream before the response started or
     * between two response messages: the gRPC specification's mapping of RST_STREAM codes, except
     * that CANCEL means the backend went away (the client did not cancel: its own resets end the
     * call before any upstream reset arrives).
     */
    static GrpcCode ofUpstreamReset(Http2Error error) {
        return switch (error) {
            case CANCEL, REFUSED_STREAM -> GrpcCode.UNAVAILABLE;
            case ENHANCE_YOUR_CALM -> GrpcCode.RESOURCE_EXHAUSTED;
            case INADEQUATE_SECURITY -> GrpcCode.PERMISSION_DENIED;
            default -> GrpcCode.INTERNAL;
        };
    }

    /** The {@code grpc-status} of response trailers; UNKNOWN when absent or not a code (no allocation). */
    static GrpcCode statusOf(Http2Headers headers) {
        CharSequence value = headers.get(GRPC_STATUS);
        if (value == null || value.length() == 0 || value.length() > 2) {
            return GrpcCode.UNKNOWN;
        }
        int code = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return GrpcCode.UNKNOWN;
            }
            code = code * 10 + (c - '0');
        }
        return GrpcCode.ofValue(code).orElse(GrpcCode.UNKNOWN);
    }

    /**
     * Percent-encodes a status message as the gRPC specification asks: UTF-8 bytes outside
     * printable ASCII, and '%' itself, become %XX.
     */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c <= 0x7E && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
