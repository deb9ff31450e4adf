package dev.grpcbalancer.testing.tls;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The TLS end of a test peer on an in-memory connection to the proxy: Netty's {@link SslHandler}
 * (the JDK's TLS, ALPN {@code h2}) in an {@link EmbeddedChannel} of its own, which turns what the
 * peer sends into TLS records for the proxy ({@link #send}, {@link #poll}) and the proxy's records
 * into what the peer reads ({@link #receive}). A client verifies the proxy's certificate against
 * a CA for the name it sends as SNI, as grpc-java does; a server presents a certificate. No thread
 * and no timer: the handshake moves only as the test world moves bytes.
 */
public final class MemoryTls {

    private static final ApplicationProtocolConfig H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN, ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2);

    private final SslHandler ssl;
    private final EmbeddedChannel channel;

    private MemoryTls(SslHandler ssl) {
        this.ssl = ssl;
        ssl.setHandshakeTimeoutMillis(0); // the proxy's own handshake timeout is the one under test
        this.channel = new EmbeddedChannel(ssl);
    }

    /** A client that sends {@code sni} and accepts only a certificate for it from {@code trusted}. */
    public static MemoryTls client(TestPki.Ca trusted, String sni) {
        try {
            SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(trusted.certificate()).endpointIdentificationAlgorithm("HTTPS")
                    .applicationProtocolConfig(H2).build();
            return new MemoryTls(context.newHandler(ByteBufAllocator.DEFAULT, requireNonNull(sni, "sni"), 443));
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server that presents {@code certificate} and selects {@code h2}. */
    public static MemoryTls server(TestPki.Issued certificate) {
        try {
            SslContext context = SslContextBuilder.forServer(certificate.privateKey(), certificate.chain())
                    .sslProvider(SslProvider.JDK).applicationProtocolConfig(H2).build();
            return new MemoryTls(context.newHandler(ByteBufAllocator.DEFAULT));
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes the peer sends: held until the handshake is done, then sealed into records for the proxy. */
    public void send(byte[] plaintext) {
        channel.writeOutbound(Unpooled.wrappedBuffer(plaintext));
    }

    /** The next TLS bytes for the proxy (handshake messages or sealed data), or null. */
    public byte[] poll() {
        ByteBuf records = channel.readOutbound();
        if (records == null) {
            return null;
        }
        try {
            byte[] bytes = new byte[records.readableBytes()];
            records.readBytes(bytes);
            return bytes;
        } finally {
            records.release();
        }
    }

    /** TLS bytes the proxy wrote (released here); what they open to goes to {@code peer}, which releases it. */
    public void receive(ByteBuf records, Consumer<ByteBuf> peer) {
        if (!channel.isOpen()) {
            records.release();
            return;
        }
        channel.writeInbound(records);
        ByteBuf plaintext;
        while ((plaintext = channel.readInbound()) != null) {
            peer.accept(plaintext);
        }
    }

    /** Whether the handshake has finished successfully. */
    public boolean isHandshakeDone() {
        return ssl.handshakeFuture().isSuccess();
    }

    /** The protocol ALPN chose, or null. */
    public String applicationProtocol() {
        return ssl.applicationProtocol();
    }

    /** The certificate the other end presented. */
    public X509Certificate peerCertificate() {
        try {
            return (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new IllegalStateException("no certificate from the other end (handshake not done?)", e);
        }
    }

    /** Releases what the TLS end still holds. */
    public void close() {
        channel.finishAndReleaseAll();
    }
}
