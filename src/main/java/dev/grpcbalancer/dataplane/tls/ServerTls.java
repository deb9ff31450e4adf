package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.function.Supplier;

/**
 * The TLS contexts of one listener, built once per change of its TLS configuration: one per
 * certificate, chosen per connection by the client's SNI (the first certificate when no name
 * matches or the client sends none). A connection uses the contexts current when it was accepted:
 * a new certificate reaches new connections only, and open ones are untouched.
 */
public final class ServerTls {

    private final Mapping<String, SslContext> bySni;
    private final String unavailable;
    private final TlsHandshakeMeters meters;

    ServerTls(Mapping<String, SslContext> bySni, String unavailable, TlsHandshakeMeters meters) {
        this.bySni = bySni;
        this.unavailable = unavailable;
        this.meters = meters;
    }

    /** The context for a client that asked for {@code hostname} (null: no SNI). */
    SslContext select(String hostname) {
        return bySni.map(hostname);
    }

    /** Why the listener's certificates could not be loaded, or {@code null}: it refuses every handshake then. */
    String unavailable() {
        return unavailable;
    }

    TlsHandshakeMeters meters() {
        return meters;
    }

    /**
     * The handlers that run TLS on a new client connection: the ClientHello check (h2 in ALPN, SNI),
     * the handshake, then {@code connection} (the HTTP/2 handler) once it succeeded.
     */
    public ChannelHandler[] handlers(Supplier<ChannelHandler> connection) {
        return new ChannelHandler[] {new ClientHelloHandler(this), new ServerHandshake(meters, connection)};
    }
}
