package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * Copies (retained duplicates) of the request data written to a call's current attempt, kept so
 * that a call which provably never reached its backend can be replayed on another. Bounded: once
 * the request outgrows the limit, or the call can no longer be retried, the copies are released
 * and no replay is possible from then on. Confined to the call's event loop.
 */
final class ReplayBuffer {

    private final int limitBytes;
    /** Created with the first copy: most calls are never replayed and many send one frame. */
    private ArrayDeque<ByteBuf> copies;
    private boolean givenUp;
    private int bytes;

    ReplayBuffer(int limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Whether everything sent so far is held, so the call may still be replayed. */
    boolean canReplay() {
        return !givenUp;
    }

    boolean isEmpty() {
        return copies == null || copies.isEmpty();
    }

    /** Keeps a copy of {@code content}, which is about to be written upstream, or gives up past the limit. */
    void record(ByteBuf content) {
        if (givenUp) {
            return;
        }
        if (bytes + content.readableBytes() <= limitBytes) {
            if (copies == null) {
                copies = new ArrayDeque<>(4);
            }
            copies.add(content.retainedDuplicate());
            bytes += content.readableBytes();
        } else {
            release();
        }
    }

    /** Writes the kept data to {@code stream}; its last frame ends the stream if {@code endStream}. */
    void replayTo(ProxyStream stream, boolean endStream) {
        if (copies == null) {
            return;
        }
        int left = copies.size();
        for (ByteBuf copy : copies) {
            stream.writeData(copy.retainedDuplicate(), --left == 0 && endStream);
        }
    }

    /** Releases the copies; no replay from now on. Idempotent. */
    void release() {
        givenUp = true;
        if (copies != null) {
            ByteBuf copy;
            while ((copy = copies.poll()) != null) {
                copy.release();
            }
            copies = null;
        }
    }
}
