package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.GrpcCode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Whether a request is a gRPC call at all. As the gRPC over HTTP/2 specification says: a method
 * other than POST gets 405, a content-type that does not begin with {@code application/grpc}
 * gets 415.
 */
final class RequestCheck {

    private static final AsciiString POST = AsciiString.cached("POST");

    /** Why a request is refused: the HTTP answer, the gRPC status for gRPC clients, a message. */
    record Rejection(int httpStatus, GrpcCode grpcStatus, String message) {}

    private RequestCheck() {}

    /** The rejection of a request that is not gRPC, or {@code null} when it is gRPC. */
    static Rejection check(Http2Headers headers) {
        CharSequence method = headers.method();
        if (method == null || !POST.contentEquals(method)) {
            return new Rejection(405, GrpcCode.INTERNAL,
                    "grpc-balancer accepts gRPC calls only: method " + method + " is not POST");
        }
        CharSequence contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null || !AsciiString.regionMatches(contentType, true, 0,
                GrpcResponses.APPLICATION_GRPC, 0, GrpcResponses.APPLICATION_GRPC.length())) {
            return new Rejection(415, GrpcCode.INTERNAL, "grpc-balancer accepts gRPC calls only: content-type "
                    + (contentType == null ? "is missing" : "'" + contentType + "' is not application/grpc"));
        }
        CharSequence path = headers.path();
        if (path == null || path.length() == 0 || path.charAt(0) != '/') {
            return new Rejection(404, GrpcCode.UNKNOWN,
                    "grpc-balancer accepts gRPC calls only: path '" + path + "' is not /service/method");
        }
        return null;
    }
}
