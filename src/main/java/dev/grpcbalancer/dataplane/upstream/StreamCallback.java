package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyStream;

/**
 * Learns the outcome of an {@link UpstreamPools#openStream} that could not be answered at once.
 * Called on the event loop the stream was asked for, exactly once, and never before
 * {@code openStream} has returned: always from an event of its own (a connection became ready,
 * a stream was freed, a connect failed), so the caller's state is never re-entered.
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

    /** Whether the caller still wants the stream; a caller that gave up is skipped. */
    default boolean cancelled() {
        return false;
    }
}
