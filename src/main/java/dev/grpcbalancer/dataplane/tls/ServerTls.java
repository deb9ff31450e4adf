package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.TlsCertificate;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The TLS contexts of one listener, built once per change of its TLS configuration: one per
 * certificate, chosen per connection by the client's SNI ({@link SniSelection}: the group of the
 * listener host name that takes it, then the certificate whose names match). A connection uses the
 * contexts current when it was accepted: a new certificate reaches new connections only, and open
 * ones are untouched. The next configuration reuses the contexts of the certificates it keeps, so
 * their clients keep resuming their sessions when another certificate of the port changes.
 */
public final class ServerTls {

    private final Mapping<String, SslContext> bySni;
    /** The context of each certificate, for the next configuration of the listener to reuse. */
    private final Map<TlsCertificate, SslContext> contexts;
    private final ListenerTls.ClientValidation clientValidation;
    private final String unavailable;
    private final TlsHandshakeMeters meters;

    ServerTls(Mapping<String, SslContext> bySni, Map<TlsCertificate, SslContext> contexts,
            ListenerTls.ClientValidation clientValidation, String unavailable, TlsHandshakeMeters meters) {
        this.bySni = bySni;
        this.contexts = Map.copyOf(contexts);
        this.clientValidation = clientValidation;
        this.unavailable = unavailable;
        this.meters = meters;
    }

    /** The context this listener built for {@code certificate} with {@code clients}, or null. */
    SslContext reusable(TlsCertificate certificate, ListenerTls.ClientValidation clients) {
        return clientValidation.equals(clients) ? contexts.get(certificate) : null;
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
     * the handshake, then the handlers of {@code connection} (the HTTP/2 connection, with what sits
     * right below it), in order, once it succeeded.
     */
    public ChannelHandler[] handlers(Supplier<List<ChannelHandler>> connection) {
        return new ChannelHandler[] {new ClientHelloHandler(this), new ServerHandshake(meters, connection)};
    }
}
