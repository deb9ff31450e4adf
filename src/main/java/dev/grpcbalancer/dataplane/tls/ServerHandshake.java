package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a client connection's TLS handshake: on success (h2 negotiated) it counts the version
 * and puts the HTTP/2 connection's handlers in its place; on failure it counts the reason, logs at
 * DEBUG (a failing client is not the operator's problem) and closes. Anything read before the
 * handler is in place is held and passed on to it.
 */
final class ServerHandshake extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(ServerHandshake.class);

    private final TlsHandshakeMeters meters;
    private final Supplier<List<ChannelHandler>> connection;
    private final ArrayDeque<Object> early = new ArrayDeque<>(2);
    private boolean failed;

    ServerHandshake(TlsHandshakeMeters meters, Supplier<List<ChannelHandler>> connection) {
        this.meters = meters;
        this.connection = connection;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent completion)) {
            super.userEventTriggered(ctx, event);
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (!completion.isSuccess()) {
            failed = true;
            meters.failed(HandshakeFailures.classify(completion.cause()));
            if (log.isDebugEnabled()) {
                log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
                        HandshakeFailures.describe(completion.cause()));
            }
            ctx.close();
            return;
        }
        if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            // The ClientHello check let only h2 clients through; a provider that still got here without it is refused.
            failed = true;
            meters.failed(TlsHandshakeMeters.Failure.ALPN);
            log.debug("TLS handshake with {} negotiated {}, not h2: closing", ctx.channel().remoteAddress(),
                    ssl.applicationProtocol());
            ctx.close();
            return;
        }
        meters.succeeded(ssl.engine().getSession().getProtocol());
        // in order, so each finds the ones below it in place when it is added (the connection
        // writes its preface then)
        ChannelHandlerContext previous = ctx;
        for (ChannelHandler handler : connection.get()) {
            ctx.pipeline().addAfter(previous.name(), null, handler);
            previous = ctx.pipeline().context(handler);
        }
        boolean passed = !early.isEmpty();
        Object message;
        while ((message = early.poll()) != null) {
            ctx.fireChannelRead(message);
        }
        if (passed) {
            ctx.fireChannelReadComplete();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
        } else {
            early.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // nothing to pass on until the connection handler is in place
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the handshake's own failure comes as the completion event; anything else ends the connection
        if (!failed) {
            log.debug("connection {} failed during the TLS handshake: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object message;
        while ((message = early.poll()) != null) {
            ReferenceCountUtil.release(message);
        }
    }
}
