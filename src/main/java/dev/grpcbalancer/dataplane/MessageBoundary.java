package dev.grpcbalancer.dataplane;

import io.netty.buffer.ByteBuf;

/**
 * Follows gRPC's length-prefixed message framing (1 flag byte, 4 length bytes, the message)
 * across DATA frames without copying or decoding anything, to know whether the bytes relayed so
 * far end on a message boundary. The proxy can then end a call it must fail with clean trailers
 * instead of cutting a message in half. Costs a few reads per message.
 */
final class MessageBoundary {

    private static final int PREFIX_BYTES = 5;

    /** Prefix bytes of the current message seen so far (0 = between messages or in a body). */
    private int prefixSeen;
    private long length;
    private long bodyLeft;

    /** Accounts for {@code data} (not modified) as the next bytes of the stream. */
    void consume(ByteBuf data) {
        int index = data.readerIndex();
        int end = data.writerIndex();
        while (index < end) {
            if (bodyLeft > 0) {
                int take = (int) Math.min(bodyLeft, end - index);
                index += take;
                bodyLeft -= take;
                continue;
            }
            int b = data.getUnsignedByte(index++);
            if (prefixSeen > 0) { // byte 0 is the compressed flag, bytes 1..4 the length
                length = (length << 8) | b;
            }
            if (++prefixSeen == PREFIX_BYTES) {
                bodyLeft = length;
                prefixSeen = 0;
                length = 0;
            }
        }
    }

    boolean atBoundary() {
        return prefixSeen == 0 && bodyLeft == 0;
    }
}
