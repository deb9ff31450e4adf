package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The hand-written protobuf of the gRPC health protocol. */
class HealthProbeTest {

    @Test
    void requestIsALengthPrefixedHealthCheckRequest() {
        ByteBuf named = HealthProbe.request(UnpooledByteBufAllocator.DEFAULT, "shop.Greeter");
        ByteBuf whole = HealthProbe.request(UnpooledByteBufAllocator.DEFAULT, "");
        try {
            // 0 (not compressed), length 14, field 1 (0x0A) of 12 bytes
            assertThat(ByteBufUtil.hexDump(named)).isEqualTo("000000000e0a0c" + ByteBufUtil.hexDump(
                    "shop.Greeter".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(ByteBufUtil.hexDump(whole)).isEqualTo("0000000000");
        } finally {
            named.release();
            whole.release();
        }
    }

    @Test
    void servingStatusIsReadFromTheResponseAndUnknownFieldsAreSkipped() {
        assertThat(status(message(0x08, 0x01))).isEqualTo(1);
        assertThat(status(message(0x08, 0x02))).isEqualTo(2);
        assertThat(status(message())).as("absent field: UNKNOWN").isZero();
        assertThat(status(message(0x12, 0x02, 'h', 'i', 0x08, 0x01))).isEqualTo(1);
    }

    @Test
    void malformedOrCompressedResponsesAreRejected() {
        assertThat(status(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 2, 0x08, 0x01})))
                .as("compressed").isEqualTo(-1);
        assertThat(status(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 5, 0x08, 0x01})))
                .as("shorter than its prefix says").isEqualTo(-1);
        assertThat(status(message(0x08, 0x81))).as("truncated varint").isEqualTo(-1);
    }

    private static int status(ByteBuf message) {
        try {
            return HealthProbe.servingStatus(message);
        } finally {
            message.release();
        }
    }

    private static ByteBuf message(int... body) {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(0).writeInt(body.length);
        for (int b : body) {
            buf.writeByte(b);
        }
        return buf;
    }
}
