package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.http2.ProxyConnection;
import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * A client connection on a balancer's listener: every new stream is a call, which looks up its
 * route in the balancer once, when its HEADERS arrive.
 */
final class ClientConnection extends ProxyConnection {

    private final Listener listener;
    private final UpstreamPools pools;

    ClientConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
            int connectionWindowBytes, Listener listener, UpstreamPools pools) {
        super(decoder, encoder, initialSettings, connectionWindowBytes);
        this.listener = listener;
        this.pools = pools;
    }

    @Override
    protected void newStreamHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        ProxyStream inbound = attach(stream);
        ProxyCall call = new ProxyCall(inbound, listener.runtime().route(headers), pools);
        inbound.handler(call);
        call.start(headers, endStream);
    }

    @Override
    public String toString() {
        return "client connection on " + listener;
    }
}
