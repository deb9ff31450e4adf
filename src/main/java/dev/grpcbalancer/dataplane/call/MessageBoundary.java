package dev.grpcbalancer.dataplane.call;

import io.netty.buffer.ByteBuf;

/**
 * Follows gRPC's length-prefixed message framing (1 flag byte, 4 length bytes, the message)
 * across DATA frames without copying or decoding anything, to know whether the bytes relayed so
 * far end on a message boundary. The proxy can then end a call it must fail with clean trailers
 * instead of cutting a message in half. Costs a few reads per message and no object: the state
 * is one {@code long} the caller keeps ({@link #START} at first), the prefix bytes seen so far in
 * the high bits and the length being read, or the message bytes still to come, in the low ones.
 */
final class MessageBoundary {

    /** The state before any byte: on a boundary. */
    static final long START = 0;
    private static final int PREFIX_BYTES = 5;
    private static final int SEEN_SHIFT = 40;
    private static final long VALUE_MASK = (1L << SEEN_SHIFT) - 1;

    private MessageBoundary() {
    }

    /** The state after {@code data} (not modified) followed {@code state}. */
    static long advance(long state, ByteBuf data) {
        int prefixSeen = (int) (state >>> SEEN_SHIFT);
        long value = state & VALUE_MASK; // the length read so far in a prefix, else the body bytes left
        int index = data.readerIndex();
        int end = data.writerIndex();
        while (index < end) {
            if (prefixSeen == 0 && value > 0) {
                int take = (int) Math.min(value, end - index);
                index += take;
                value -= take;
                continue;
            }
            int b = data.getUnsignedByte(index++);
            if (prefixSeen > 0) { // byte 0 is the compressed flag, bytes 1..4 the length
                value = (value << 8) | b;
            }
            if (++prefixSeen == PREFIX_BYTES) {
                prefixSeen = 0; // value now counts the body bytes left
            }
        }
        return ((long) prefixSeen << SEEN_SHIFT) | value;
    }

    static boolean atBoundary(long state) {
        return state == START;
    }
}
