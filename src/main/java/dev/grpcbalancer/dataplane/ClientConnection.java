package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.CallEngine;
import dev.grpcbalancer.dataplane.call.CallTimers;
import dev.grpcbalancer.dataplane.http2.ProxyConnection;
import dev.grpcbalancer.dataplane.http2.ProxyStream;
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
    private final CallEngine calls;
    /** The time limits of this connection's calls; made with the first call, on the event loop. */
    private CallTimers timers;

    ClientConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
            int connectionWindowBytes, Listener listener, CallEngine calls) {
        super(decoder, encoder, initialSettings, connectionWindowBytes);
        this.listener = listener;
        this.calls = calls;
    }

    @Override
    protected void newStreamHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        ProxyStream inbound = attach(stream);
        if (timers == null) {
            timers = calls.newTimers(inbound.eventLoop());
        }
        calls.start(inbound, timers, listener.runtime().route(headers), headers, endStream);
    }

    @Override
    public String toString() {
        return "client connection on " + listener;
    }
}
