package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyStream;

/**
 * Learns the outcome of {@link UpstreamPools#openStream}. Always called on the event loop the
 * stream was asked for, exactly once.
 */
public interface StreamCallback {

    /**
     * The stream is open and nothing is written yet. The callee sets its handler and writes the
     * request HEADERS now, in this call (stream ids must go out in the order they were taken), or
     * resets the stream.
     */
    void opened(ProxyStream stream);

    /** No stream could be opened: nothing reached the backend, so the call may go elsewhere. */
    void failed(String reason);

    /** Whether the caller still wants the stream; a stream opened for a gone caller is closed. */
    default boolean cancelled() {
        return false;
    }
}
