package dev.grpcbalancer.dataplane.upstream;

import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * Learns the outcome of {@link UpstreamPools#openStream}. Always called on the event loop the
 * stream was asked for, exactly once.
 */
public interface StreamCallback {

    /** The stream is open (no frame written yet); its handler is installed and auto-read is off. */
    void opened(Http2StreamChannel stream);

    /** No stream could be opened: nothing reached the backend, so the call may go elsewhere. */
    void failed(String reason);

    /** Whether the caller still wants the stream; a stream opened for a gone caller is closed. */
    default boolean cancelled() {
        return false;
    }
}
