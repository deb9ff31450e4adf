package dev.grpcbalancer.dataplane;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** Builds the responses the proxy produces itself: gRPC trailers-only and plain HTTP errors. */
final class GrpcResponses {

    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString STATUS_200 = AsciiString.cached("200");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private GrpcResponses() {}

    /** A trailers-only response: HTTP 200 with the gRPC status in the only HEADERS frame. */
    static Http2Headers trailersOnly(GrpcStatus status, String message) {
        Http2Headers headers = new DefaultHttp2Headers()
                .status(STATUS_200)
                .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        return addStatus(headers, status, message);
    }

    /** Trailers after response headers were already sent: only the gRPC status. */
    static Http2Headers trailers(GrpcStatus status, String message) {
        return addStatus(new DefaultHttp2Headers(), status, message);
    }

    /**
     * An HTTP error for a request that is not gRPC, as gRPC servers answer it: the HTTP status,
     * a text body (sent by the caller), and a gRPC status for gRPC clients that get it anyway.
     */
    static Http2Headers httpError(int httpStatus, GrpcStatus status, String message) {
        Http2Headers headers = new DefaultHttp2Headers()
                .status(Integer.toString(httpStatus))
                .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (httpStatus == 405) {
            headers.set(io.netty.handler.codec.http.HttpHeaderNames.ALLOW, "POST");
        }
        return addStatus(headers, status, message);
    }

    private static Http2Headers addStatus(Http2Headers headers, GrpcStatus status, String message) {
        headers.set(GRPC_STATUS, status.headerValue());
        if (message != null && !message.isEmpty()) {
            headers.set(GRPC_MESSAGE, percentEncode(message));
        }
        return headers;
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
