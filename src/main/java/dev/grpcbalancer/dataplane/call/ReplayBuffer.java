package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * Copies (retained duplicates) of the request data a call has sent upstream, kept so that another
 * attempt (a retry or a hedge) can be sent the same request. Bounded: once the request outgrows
 * the limit, or the call can no longer make another attempt, the copies are released and no
 * replay is possible from then on. Confined to the call's event loop.
 */
final class ReplayBuffer {

    private final int limitBytes;
    /** The first copy; most calls send one DATA frame and are never replayed. */
    private ByteBuf first;
    /** Copies after the first, created when needed. */
    private ArrayDeque<ByteBuf> more;
    private boolean givenUp;
    private int bytes;

    ReplayBuffer(int limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Whether everything sent so far is held, so the request may still be sent again. */
    boolean canReplay() {
        return !givenUp;
    }

    boolean isEmpty() {
        return first == null;
    }

    /**
     * Keeps a copy of {@code content}, which is about to be sent upstream, or gives up past the
     * limit; returns {@link #canReplay()}.
     */
    boolean record(ByteBuf content) {
        if (givenUp) {
            return false;
        }
        int size = content.readableBytes();
        if (bytes + size > limitBytes) {
            release();
            return false;
        }
        bytes += size;
        if (first == null) {
            first = content.retainedDuplicate();
        } else {
            if (more == null) {
                more = new ArrayDeque<>(4);
            }
            more.add(content.retainedDuplicate());
        }
        return true;
    }

    /** Sends the kept data to {@code stream}; its last frame ends the stream if {@code endStream}. */
    void replayTo(ProxyStream stream, boolean endStream) {
        if (first == null) {
            return;
        }
        boolean onlyFirst = more == null || more.isEmpty();
        stream.writeData(first.retainedDuplicate(), endStream && onlyFirst);
        if (!onlyFirst) {
            int left = more.size();
            for (ByteBuf copy : more) {
                stream.writeData(copy.retainedDuplicate(), --left == 0 && endStream);
            }
        }
    }

    /** Releases the copies; no replay from now on. Idempotent. */
    void release() {
        givenUp = true;
        if (first != null) {
            first.release();
            first = null;
        }
        if (more != null) {
            ByteBuf copy;
            while ((copy = more.poll()) != null) {
                copy.release();
            }
            more = null;
        }
    }
}
