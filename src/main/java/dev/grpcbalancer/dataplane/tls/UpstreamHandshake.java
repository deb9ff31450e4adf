package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Watches the TLS handshake of a backend connection: a failure (certificate not trusted, not for
 * the hostname, handshake refused) or a backend that did not select h2 is reported as the reason
 * the connection could not be set up, and the connection is closed; the HTTP/2 handler behind it
 * has written its preface already, which the TLS handler holds until the handshake is done.
 *
 * <p>It stays in the pipeline: with TLS 1.3 a backend that refuses the balancer's client
 * certificate says so with an alert after the client's side of the handshake is done, and that
 * alert is the reason too. It handles no reads, so Netty skips it for them.
 */
final class UpstreamHandshake extends ChannelInboundHandlerAdapter {

    private final TlsHandshakeMeters meters;
    private final String hostname;
    private final Consumer<String> failed;
    private boolean done;

    UpstreamHandshake(TlsHandshakeMeters meters, String hostname, Consumer<String> failed) {
        this.meters = meters;
        this.hostname = hostname;
        this.failed = failed;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent completion) || done) {
            super.userEventTriggered(ctx, event);
            return;
        }
        done = true;
        String peer = String.valueOf(ctx.channel().remoteAddress());
        if (!completion.isSuccess()) {
            TlsHandshakeMeters.Failure failure = HandshakeFailures.classify(completion.cause());
            meters.failed(failure);
            String what = failure == TlsHandshakeMeters.Failure.CERTIFICATE
                    ? "TLS verification of backend " + peer + " as " + hostname + " failed"
                    : "TLS handshake with backend " + peer + " failed";
            failed.accept(what + ": " + HandshakeFailures.describe(completion.cause()));
            ctx.close();
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            meters.failed(TlsHandshakeMeters.Failure.ALPN);
            failed.accept("backend " + peer + " did not select h2 in the TLS handshake (ALPN: "
                    + ssl.applicationProtocol() + ")");
            ctx.close();
            return;
        }
        meters.succeeded(ssl.engine().getSession().getProtocol());
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (!done) {
            ctx.close(); // the handshake's failure arrives as the completion event, before this
            return;
        }
        if (cause.getCause() instanceof SSLException || cause instanceof SSLException) {
            // only heard by the pool while the connection is not set up yet (no SETTINGS so far)
            failed.accept("backend " + ctx.channel().remoteAddress() + " ended the TLS session: "
                    + HandshakeFailures.describe(cause));
        }
        super.exceptionCaught(ctx, cause);
    }
}
