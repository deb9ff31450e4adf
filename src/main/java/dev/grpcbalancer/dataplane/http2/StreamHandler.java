package dev.grpcbalancer.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * Receives the frames and the end of one {@link ProxyStream}. Called on the connection's event
 * loop. Once the stream is reset by our side ({@link ProxyStream#reset}), or after
 * {@link #resetRead}, {@link #refusedByGoAway} or {@link #closed}, the handler hears nothing more.
 */
public interface StreamHandler {

    /** HEADERS on the stream after the first (for an inbound stream) or any (for an outbound one). */
    void headersRead(Http2Headers headers, boolean endStream);

    /**
     * A DATA frame. {@code data} belongs to the handler (release it or pass it on). The
     * {@code flowControlledBytes} (payload plus padding) are not returned to the peer's window
     * until {@link ProxyStream#consume} is called with them: that is how a slow reader on the
     * other side of the proxy slows this peer down.
     */
    void dataRead(ByteBuf data, int flowControlledBytes, boolean endStream);

    /** The peer reset the stream. */
    void resetRead(Http2Error error);

    /**
     * The peer sent GOAWAY with a last-stream-id below this stream: it never processed the stream.
     * Only streams this side opened can be refused; by default it is taken as {@link #closed}.
     */
    default void refusedByGoAway() {
        closed();
    }

    /** The stream closed: both sides ended, or the connection closed. */
    void closed();
}
