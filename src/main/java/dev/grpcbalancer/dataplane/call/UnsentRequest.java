package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * Request data read while the call had no upstream stream to send it on (the pool was still
 * connecting, or a retry was waiting for its backoff), with the flow-control credit it holds: the
 * client gets that credit back only once the data is on its way upstream, so this holds at most
 * about one stream window. Confined to the call's event loop.
 */
final class UnsentRequest {

    /** One DATA frame (or the end of the request as an empty one) and its credit. */
    record Frame(ByteBuf data, int credit, boolean endStream) {}

    private final ArrayDeque<Frame> frames = new ArrayDeque<>(4);

    void add(ByteBuf data, int credit, boolean endStream) {
        frames.add(new Frame(data, credit, endStream));
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    /** The oldest frame held, taken out, or null. */
    Frame poll() {
        return frames.poll();
    }

    /** Releases every frame held and returns its credit. */
    void release(ProxyStream inbound) {
        Frame frame;
        while ((frame = frames.poll()) != null) {
            frame.data().release();
            inbound.consume(frame.credit());
        }
    }
}
