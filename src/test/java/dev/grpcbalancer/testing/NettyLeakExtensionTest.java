package dev.grpcbalancer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.testing.NettyLeakExtension.Leak;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Proves the leak extension sees leaks. Each deliberate leak carries a unique marker in its access
 * records and is taken out of the extension's list here, so it does not fail this class's own check
 * (and a real leak from elsewhere, which lacks the marker, still does).
 */
final class NettyLeakExtensionTest {

    @Test
    void runsWithParanoidLeakDetection() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void reportsAPooledBufferThatWasGarbageCollectedWithoutRelease() {
        String marker = newMarker();
        allocateTouchAndDrop(() -> ByteBufAllocator.DEFAULT.directBuffer(64), marker, false);

        NettyLeakExtension.forceDetection();

        List<Leak> leaks = NettyLeakExtension.takeLeaks(leak -> leak.records().contains(marker));
        assertThat(leaks).singleElement().satisfies(leak -> {
            assertThat(leak.resourceType()).isEqualTo("ByteBuf");
            assertThat(leak.records()).contains("Created at:")
                    .contains(NettyLeakExtensionTest.class.getName() + ".allocateTouchAndDrop");
        });
    }

    @Test
    void reportsAnUnpooledDirectBufferThatWasGarbageCollectedWithoutRelease() {
        String marker = newMarker();
        allocateTouchAndDrop(() -> UnpooledByteBufAllocator.DEFAULT.directBuffer(64), marker, false);

        NettyLeakExtension.forceDetection();

        assertThat(NettyLeakExtension.takeLeaks(leak -> leak.records().contains(marker))).hasSize(1);
    }

    @Test
    void doesNotReportAReleasedBuffer() {
        String marker = newMarker();
        allocateTouchAndDrop(() -> ByteBufAllocator.DEFAULT.directBuffer(64), marker, true);

        NettyLeakExtension.forceDetection();

        assertThat(NettyLeakExtension.takeLeaks(leak -> leak.records().contains(marker))).isEmpty();
    }

    @Test
    void failureMessageNamesTheScopeAndCarriesTheAccessRecords() {
        String marker = newMarker();
        allocateTouchAndDrop(() -> ByteBufAllocator.DEFAULT.heapBuffer(16), marker, false);
        NettyLeakExtension.forceDetection();
        List<Leak> leaks = NettyLeakExtension.takeLeaks(leak -> leak.records().contains(marker));

        AssertionError failure = NettyLeakExtension.leakFailure("SomeTest", leaks);

        assertThat(failure).hasMessageContaining("1 leaked resource(s) by the end of SomeTest")
                .hasMessageContaining("LEAK: ByteBuf.release() was not called")
                .hasMessageContaining(marker);
    }

    private static String newMarker() {
        return "deliberate-leak-" + UUID.randomUUID();
    }

    /** Allocates in its own frame, so nothing on the caller's stack keeps the buffer reachable. */
    private static void allocateTouchAndDrop(Supplier<ByteBuf> allocate, String marker, boolean release) {
        ByteBuf buffer = allocate.get();
        buffer.writeLong(42).touch(marker);
        if (release) {
            buffer.release();
        }
    }
}
