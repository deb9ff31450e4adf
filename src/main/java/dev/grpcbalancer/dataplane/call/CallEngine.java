package dev.grpcbalancer.dataplane.call;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.function.LongSupplier;

/**
 * Starts the calls of a data plane: each inbound HTTP/2 stream becomes a {@link ProxyCall} on its
 * connection's event loop, with upstream streams from {@code pools}. Time is read from the
 * {@code ticker} and timers run on the call's event loop, so tests that drive in-memory channels
 * with a frozen clock move the engine's time too. Shared by every listener; stateless.
 */
public final class CallEngine {

    private final UpstreamPools pools;
    private final LongSupplier ticker;

    public CallEngine(UpstreamPools pools, LongSupplier ticker) {
        this.pools = requireNonNull(pools, "pools");
        this.ticker = requireNonNull(ticker, "ticker");
    }

    /**
     * A new stream's HEADERS arrived on {@code inbound}: its call starts, served by {@code route}
     * (the route its HEADERS matched) for its whole life, its time limits watched by
     * {@code timers}, those of the stream's connection. Called on the stream's event loop.
     */
    public void start(ProxyStream inbound, CallTimers timers, RouteRuntime route, Http2Headers headers, boolean endStream) {
        ProxyCall call = new ProxyCall(inbound, route, this, timers);
        inbound.handler(call);
        call.start(headers, endStream);
    }

    /** The timers for the calls of a connection on {@code loop}: one per client connection. */
    public CallTimers newTimers(EventLoop loop) {
        return new CallTimers(loop, ticker);
    }

    UpstreamPools pools() {
        return pools;
    }

    long nanoTime() {
        return ticker.getAsLong();
    }

    public LongSupplier ticker() {
        return ticker;
    }
}
