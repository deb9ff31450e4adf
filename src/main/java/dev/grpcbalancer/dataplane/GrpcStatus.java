package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.snapshot.GrpcCode;

/** gRPC status codes the proxy itself produces (values from the gRPC specification). */
enum GrpcStatus {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14);

    private final int code;
    private final String text;

    GrpcStatus(int code) {
        this.code = code;
        this.text = Integer.toString(code);
    }

    /**
     * The status a client gets when a backend resets a stream before the response started or
     * between two response messages: the gRPC specification's mapping of RST_STREAM codes, except
     * that CANCEL means the backend went away (the client did not cancel: its own resets end the
     * call before any upstream reset arrives).
     */
    static GrpcStatus ofUpstreamReset(io.netty.handler.codec.http2.Http2Error error) {
        return switch (error) {
            case CANCEL, REFUSED_STREAM -> UNAVAILABLE;
            case ENHANCE_YOUR_CALM -> RESOURCE_EXHAUSTED;
            case INADEQUATE_SECURITY -> PERMISSION_DENIED;
            default -> INTERNAL;
        };
    }

    int code() {
        return code;
    }

    /** The same code in the snapshot's vocabulary. */
    GrpcCode grpcCode() {
        return GrpcCode.ofValue(code).orElseThrow();
    }

    /** The status with the same code; UNKNOWN for a code the proxy never produces itself. */
    static GrpcStatus of(GrpcCode grpcCode) {
        for (GrpcStatus status : values()) {
            if (status.code == grpcCode.value()) {
                return status;
            }
        }
        return UNKNOWN;
    }

    /** The code as the {@code grpc-status} header value. */
    String headerValue() {
        return text;
    }
}
