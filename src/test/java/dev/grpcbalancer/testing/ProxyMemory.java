package dev.grpcbalancer.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;

/**
 * Memory held by the proxy's buffers: what the pooled allocator of the unshaded {@code io.netty}
 * has taken from the system (arena chunks and huge buffers, direct and heap). grpc-java's
 * clients and servers use their own relocated Netty, so in a test JVM this counts the proxy only.
 */
public final class ProxyMemory {

    private ProxyMemory() {
    }

    /** Direct plus heap memory of {@link PooledByteBufAllocator#DEFAULT}, in bytes. */
    public static long usedBytes() {
        PooledByteBufAllocatorMetric metric = PooledByteBufAllocator.DEFAULT.metric();
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }

    /**
     * Fails unless the proxy allocates from {@link PooledByteBufAllocator#DEFAULT} (Netty's default
     * allocator): otherwise {@link #usedBytes()} would not see its buffers.
     */
    public static void assertProxyUsesThePooledAllocator() {
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
            throw new AssertionError("Netty's default allocator is " + ByteBufAllocator.DEFAULT
                    + ", not the pooled one: proxy memory cannot be measured this way");
        }
    }
}
