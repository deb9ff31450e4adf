package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;

/**
 * The request side of a call: the client's HEADERS, the data held while no attempt has a stream
 * ({@link UnsentRequest}), the copies kept so another attempt (a retry or a hedge) can be sent the
 * same request, and the sending of all that to each attempt. Request data goes on upstream as it
 * arrives, never reassembled; its flow-control credit goes back to the client when one upstream
 * write of it is on the wire. Confined to the call's event loop.
 *
 * <p><b>The replay copies</b> are retained duplicates of the data sent upstream, bounded by the
 * balancer's replay buffer: once the request outgrows it, or the call can no longer make another
 * attempt (it committed, or the client's trailers came), the copies are released and no replay is
 * possible from then on.
 */
final class RequestRelay {

    private static final AsciiString PREVIOUS_ATTEMPTS = AsciiString.cached("grpc-previous-rpc-attempts");

    private final ProxyStream inbound;
    private final int replayLimitBytes;
    /** The first replay copy; most calls send one DATA frame and are never replayed. */
    private ByteBuf firstCopy;
    /** Replay copies after the first, created when needed. */
    private ArrayDeque<ByteBuf> moreCopies;
    private int copiedBytes;
    private boolean replayGivenUp;
    private Http2Headers headers;
    private boolean ended;
    private long bytesIn;
    /** Request data with no stream to go to yet; created when needed. */
    private UnsentRequest unsent;

    RequestRelay(ProxyStream inbound, int replayBufferBytes) {
        this.inbound = inbound;
        this.replayLimitBytes = replayBufferBytes;
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
        return !replayGivenUp;
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
        ChannelFuture written = stream.writeHeaders(sent, ended && nothingHeld && firstCopy == null);
        replayTo(stream, ended && nothingHeld);
        if (!nothingHeld) {
            UnsentRequest.Frame frame;
            while ((frame = unsent.poll()) != null) {
                keepCopy(frame.data());
                stream.writeData(frame.data(), frame.endStream(), inbound, frame.credit());
            }
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
        boolean kept = keepCopy(data);
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
        releaseCopies();
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
        releaseCopies();
    }

    /** Releases the copies and the data held, returning its credit. Idempotent. */
    void release() {
        releaseCopies();
        if (unsent != null) {
            unsent.release(inbound);
        }
    }

    /** Keeps a copy of {@code content}, about to be sent upstream, or gives up past the limit; returns {@link #canReplay()}. */
    private boolean keepCopy(ByteBuf content) {
        if (replayGivenUp) {
            return false;
        }
        int size = content.readableBytes();
        if (copiedBytes + size > replayLimitBytes) {
            releaseCopies();
            return false;
        }
        copiedBytes += size;
        if (firstCopy == null) {
            firstCopy = content.retainedDuplicate();
        } else {
            if (moreCopies == null) {
                moreCopies = new ArrayDeque<>(4);
            }
            moreCopies.add(content.retainedDuplicate());
        }
        return true;
    }

    /** Sends the copies to {@code stream}; the last frame ends the stream if {@code endStream}. */
    private void replayTo(ProxyStream stream, boolean endStream) {
        if (firstCopy == null) {
            return;
        }
        boolean onlyFirst = moreCopies == null || moreCopies.isEmpty();
        stream.writeData(firstCopy.retainedDuplicate(), endStream && onlyFirst);
        if (!onlyFirst) {
            int left = moreCopies.size();
            for (ByteBuf copy : moreCopies) {
                stream.writeData(copy.retainedDuplicate(), --left == 0 && endStream);
            }
        }
    }

    /** Releases the copies: no replay from now on. Idempotent. */
    private void releaseCopies() {
        replayGivenUp = true;
        if (firstCopy != null) {
            firstCopy.release();
            firstCopy = null;
        }
        if (moreCopies != null) {
            ByteBuf copy;
            while ((copy = moreCopies.poll()) != null) {
                copy.release();
            }
            moreCopies = null;
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
