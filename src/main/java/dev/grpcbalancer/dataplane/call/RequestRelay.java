package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The request side of a call: the client's HEADERS, the data held while no attempt has a stream
 * ({@link UnsentRequest}), the copies kept so another attempt can be sent the same request
 * ({@link ReplayBuffer}), and the sending of all that to each attempt. Request data goes on
 * upstream as it arrives, never reassembled; its flow-control credit goes back to the client
 * when one upstream write of it is on the wire. Confined to the call's event loop.
 */
final class RequestRelay {

    private static final AsciiString PREVIOUS_ATTEMPTS = AsciiString.cached("grpc-previous-rpc-attempts");

    private final ProxyStream inbound;
    private final ReplayBuffer replay;
    private Http2Headers headers;
    private boolean ended;
    private long bytesIn;
    /** Request data with no stream to go to yet; created when needed. */
    private UnsentRequest unsent;

    RequestRelay(ProxyStream inbound, int replayBufferBytes) {
        this.inbound = inbound;
        this.replay = new ReplayBuffer(replayBufferBytes);
    }

    void start(Http2Headers requestHeaders, boolean endStream) {
        headers = requestHeaders;
        ended = endStream;
    }

    /** The client's HEADERS; null before the call started. */
    Http2Headers headers() {
        return headers;
    }

    /** Whether the client has ended its request (END_STREAM or trailers). */
    boolean ended() {
        return ended;
    }

    /** DATA bytes the client sent so far. */
    long bytesIn() {
        return bytesIn;
    }

    /** Whether the whole request so far is held for another attempt. */
    boolean canReplay() {
        return replay.canReplay();
    }

    /**
     * Sends the request so far on the newly opened {@code stream} of attempt number
     * {@code attempt}: its HEADERS (with the time left as {@code grpc-timeout} when
     * {@code remainingNanos} is not {@link Long#MAX_VALUE}, and for later attempts
     * {@code grpc-previous-rpc-attempts}), then the data kept and the data held. The HEADERS write
     * is returned for its outcome. The request may outgrow the replay buffer on the way: then
     * {@link #canReplay()} turns false.
     */
    ChannelFuture sendTo(ProxyStream stream, int attempt, long remainingNanos) {
        // the first attempt sends the client's headers object; others a copy, as the first's may still be queued
        Http2Headers sent = attempt == 1 ? headers : new DefaultHttp2Headers().add(headers);
        if (remainingNanos != Long.MAX_VALUE) {
            sent.set(GrpcResponses.GRPC_TIMEOUT, GrpcTimeout.format(remainingNanos));
        }
        if (attempt > 1) {
            sent.setInt(PREVIOUS_ATTEMPTS, attempt - 1);
        }
        boolean nothingHeld = unsent == null || unsent.isEmpty();
        ChannelFuture written = stream.writeHeaders(sent, ended && nothingHeld && replay.isEmpty());
        replay.replayTo(stream, ended && nothingHeld);
        if (!nothingHeld) {
            unsent.sendTo(stream, replay, inbound);
        }
        return written;
    }

    /**
     * Request data before any attempt committed. With no {@code target} (no attempt has a
     * stream) it is held. Else it is kept for a replay and goes to {@code target}, which returns
     * its credit, and a copy to each of {@code others} that has a stream; when it no longer fits
     * the replay buffer it goes to {@code target} only, and false is returned: the call keeps
     * that attempt alone.
     */
    boolean data(ByteBuf data, int credit, boolean endStream, Attempt target, Attempt others) {
        arrived(data, endStream);
        if (target == null) {
            unsent().add(data, credit, endStream);
            return true;
        }
        boolean kept = replay.record(data);
        if (kept) {
            for (Attempt a = others; a != null; a = a.nextLive) {
                if (a != target && a.isOpen()) {
                    a.stream().writeData(data.retainedDuplicate(), endStream);
                }
            }
        }
        target.stream().writeData(data, endStream, inbound, credit);
        return kept;
    }

    /** Request data after an attempt committed: to it alone. */
    void data(ByteBuf data, int credit, boolean endStream, ProxyStream committed) {
        arrived(data, endStream);
        committed.writeData(data, endStream, inbound, credit);
    }

    /**
     * The client's trailers end the request. They are not kept: no attempt can follow one that
     * got them. Written to {@code target}'s stream, or, without one, held as the end of the data.
     */
    void trailers(Http2Headers trailers, Attempt target) {
        ended = true;
        replay.release();
        if (target != null && target.stream() != null && (unsent == null || unsent.isEmpty())) {
            target.stream().writeHeaders(trailers, true);
        } else {
            unsent().add(Unpooled.EMPTY_BUFFER, 0, true); // rare: end the request after the data held
        }
    }

    /** Data that arrived after the call ended: released and credited back at once. */
    void discard(ByteBuf data, int credit, boolean endStream) {
        arrived(data, endStream);
        data.release();
        inbound.consume(credit);
    }

    /** An attempt committed: the copies are no longer needed. */
    void committed() {
        replay.release();
    }

    /** Releases the copies and the data held, returning its credit. Idempotent. */
    void release() {
        replay.release();
        if (unsent != null) {
            unsent.release(inbound);
        }
    }

    private void arrived(ByteBuf data, boolean endStream) {
        bytesIn += data.readableBytes();
        if (endStream) {
            ended = true;
        }
    }

    private UnsentRequest unsent() {
        if (unsent == null) {
            unsent = new UnsentRequest();
        }
        return unsent;
    }
}
