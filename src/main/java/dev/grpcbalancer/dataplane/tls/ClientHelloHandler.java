package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters.Failure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a client's TLS ClientHello before any TLS engine sees it: refuses a client that does not
 * offer {@code h2} in ALPN with a fatal {@code no_application_protocol} alert (the same for both
 * providers; OpenSSL itself would complete such a handshake without ALPN), closes a connection
 * whose first bytes are not TLS, and otherwise puts the {@link SslHandler} of the certificate the
 * client's SNI asks for in its own place. A client that sends no ClientHello within the handshake
 * timeout is closed.
 */
final class ClientHelloHandler extends SslClientHelloHandler<SslContext> {

    private static final Logger log = LoggerFactory.getLogger(ClientHelloHandler.class);
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;
    private static final byte[] H2 = "h2".getBytes(CharsetUtil.US_ASCII);
    /** A TLS record: alert (21), version 3.1, length 2, fatal (2), no_application_protocol (120). */
    private static final byte[] NO_APPLICATION_PROTOCOL = {21, 3, 1, 0, 2, 2, 120};
    /** The same with internal_error (80). */
    private static final byte[] INTERNAL_ERROR = {21, 3, 1, 0, 2, 2, 80};

    private final ServerTls tls;
    private ScheduledFuture<?> timeout;
    private boolean refused;

    ClientHelloHandler(ServerTls tls) {
        this.tls = tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                reject(ctx, Failure.TIMEOUT, "no TLS ClientHello within " + HANDSHAKE_TIMEOUT_MILLIS + " ms", null);
            }
        }, HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        timeout.cancel(false);
        super.handlerRemoved0(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes()); // closing: nothing more is looked at
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        timeout.cancel(false);
        if (tls.unavailable() != null) {
            return reject(ctx, Failure.UNAVAILABLE, "the listener's certificates could not be loaded: "
                    + tls.unavailable(), INTERNAL_ERROR);
        }
        if (clientHello == null) {
            return reject(ctx, Failure.NOT_TLS, "the client does not speak TLS (h2c or HTTP/1 to a TLS listener?)", null);
        }
        Hello hello = Hello.parse(clientHello);
        if (!hello.offersH2) {
            return reject(ctx, Failure.ALPN, hello.alpn.isEmpty()
                    ? "the client offered no ALPN protocols; this listener speaks h2 only"
                    : "the client offered ALPN " + hello.alpn + ", not h2", NO_APPLICATION_PROTOCOL);
        }
        return ctx.executor().newSucceededFuture(tls.select(hello.serverName));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<SslContext> future) {
        if (!future.isSuccess()) {
            return; // refused and closing
        }
        SslHandler ssl = future.getNow().newHandler(ctx.alloc());
        ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        ctx.pipeline().replace(this, "tls", ssl);
    }

    private Future<SslContext> reject(ChannelHandlerContext ctx, Failure failure, String why, byte[] alert) {
        SSLHandshakeException refusal = new SSLHandshakeException(why);
        if (refused) {
            return ctx.executor().newFailedFuture(refusal);
        }
        refused = true;
        tls.meters().failed(failure);
        if (log.isDebugEnabled()) {
            log.debug("TLS handshake with {} refused: {}", ctx.channel().remoteAddress(), why);
        }
        if (alert != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(alert)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
        return ctx.executor().newFailedFuture(refusal);
    }

    /** What the check needs from a ClientHello: the SNI host name and the ALPN protocols. */
    private static final class Hello {
        String serverName;
        String alpn = "";
        boolean offersH2;

        /**
         * {@code body} is the ClientHello message: version (2), random (32), session id,
         * cipher suites, compression methods, extensions (RFC 8446, 4.1.2). Malformed input just
         * yields fewer facts: the TLS engine rejects it properly afterwards.
         */
        static Hello parse(ByteBuf body) {
            Hello hello = new Hello();
            int offset = body.readerIndex() + 34;
            int end = body.writerIndex();
            if (end - offset < 6) {
                return hello;
            }
            offset += 1 + body.getUnsignedByte(offset);
            if (offset + 2 > end) {
                return hello;
            }
            offset += 2 + body.getUnsignedShort(offset);
            if (offset + 1 > end) {
                return hello;
            }
            offset += 1 + body.getUnsignedByte(offset);
            if (offset + 2 > end) {
                return hello;
            }
            int extensionsEnd = Math.min(end, offset + 2 + body.getUnsignedShort(offset));
            offset += 2;
            while (offset + 4 <= extensionsEnd) {
                int type = body.getUnsignedShort(offset);
                int length = body.getUnsignedShort(offset + 2);
                offset += 4;
                if (offset + length > extensionsEnd) {
                    break;
                }
                if (type == EXTENSION_SERVER_NAME) {
                    hello.serverName = serverName(body, offset, offset + length);
                } else if (type == EXTENSION_ALPN) {
                    hello.readAlpn(body, offset, offset + length);
                }
                offset += length;
            }
            return hello;
        }

        private static String serverName(ByteBuf body, int offset, int end) {
            // ServerNameList: length (2), then entries of type (1), length (2), name
            int position = offset + 2;
            while (position + 3 <= end) {
                int type = body.getUnsignedByte(position);
                int length = body.getUnsignedShort(position + 1);
                position += 3;
                if (position + length > end) {
                    return null;
                }
                if (type == 0) {
                    return body.toString(position, length, CharsetUtil.US_ASCII).toLowerCase(Locale.ROOT);
                }
                position += length;
            }
            return null;
        }

        private void readAlpn(ByteBuf body, int offset, int end) {
            // ProtocolNameList: length (2), then entries of length (1), name
            StringBuilder names = new StringBuilder();
            int position = offset + 2;
            while (position < end) {
                int length = body.getUnsignedByte(position);
                position += 1;
                if (position + length > end) {
                    break;
                }
                if (length == H2.length && body.getByte(position) == H2[0] && body.getByte(position + 1) == H2[1]) {
                    offersH2 = true;
                }
                names.append(names.length() == 0 ? "" : ",").append(body.toString(position, length, CharsetUtil.US_ASCII));
                position += length;
            }
            alpn = names.toString();
        }
    }
}
