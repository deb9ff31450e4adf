package dev.grpcbalancer.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

/**
 * Netty's memory as meters ({@code grpcbalancer_netty_*}): what the pooled allocator holds in
 * direct and heap arenas, and the direct memory Netty counts against its limit.
 */
public final class NettyMemoryMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        ByteBufAllocatorMetric pooled = PooledByteBufAllocator.DEFAULT.metric();
        Gauge.builder("grpcbalancer.netty.allocator.memory", pooled, ByteBufAllocatorMetric::usedDirectMemory)
                .tag("area", "direct").baseUnit("bytes")
                .description("Memory held by Netty's pooled allocator").register(registry);
        Gauge.builder("grpcbalancer.netty.allocator.memory", pooled, ByteBufAllocatorMetric::usedHeapMemory)
                .tag("area", "heap").baseUnit("bytes")
                .description("Memory held by Netty's pooled allocator").register(registry);
        Gauge.builder("grpcbalancer.netty.direct.memory.used", () -> PlatformDependent.usedDirectMemory())
                .baseUnit("bytes").description("Direct memory Netty counts (-1 when it does not track it)")
                .register(registry);
        Gauge.builder("grpcbalancer.netty.direct.memory.max", () -> PlatformDependent.maxDirectMemory())
                .baseUnit("bytes").description("Netty's direct memory limit").register(registry);
    }
}
