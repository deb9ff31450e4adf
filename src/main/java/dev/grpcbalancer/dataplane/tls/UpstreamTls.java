package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.function.Consumer;

/**
 * How connections to backends are secured: {@link #PLAINTEXT} (h2c), or TLS with one client
 * context per distinct backend TLS configuration. Instances are canonical ({@link TlsContexts}
 * hands out one per configuration) and compare by identity, so that upstream pools key their
 * connections by (address, this) cheaply: balancers with the same endpoint and the same TLS
 * settings share connections, and others never do.
 */
public final class UpstreamTls {

    /** h2c: no TLS. */
    public static final UpstreamTls PLAINTEXT = new UpstreamTls(null, "", null, null);

    private final SslContext context;
    private final String hostname;
    private final String unavailable;
    private final TlsHandshakeMeters meters;

    UpstreamTls(SslContext context, String hostname, String unavailable, TlsHandshakeMeters meters) {
        this.context = context;
        this.hostname = hostname;
        this.unavailable = unavailable;
        this.meters = meters;
    }

    public boolean enabled() {
        return this != PLAINTEXT;
    }

    /** The name sent as SNI and verified in the backend's certificate. */
    public String hostname() {
        return hostname;
    }

    /**
     * Puts TLS in front of a new backend connection's pipeline: the handshake (SNI and the name
     * checked: {@link #hostname()}; ALPN h2), then a check that reports a failure through
     * {@code failed} (a connect failure, described for the call's status) and closes.
     */
    public void install(ChannelPipeline pipeline, int port, Consumer<String> failed) {
        if (unavailable != null) {
            meters.failed(TlsHandshakeMeters.Failure.UNAVAILABLE);
            failed.accept("TLS to backends is not available: " + unavailable);
            pipeline.channel().close();
            return;
        }
        SslHandler ssl = context.newHandler(pipeline.channel().alloc(), hostname, port);
        pipeline.addLast("tls", ssl);
        pipeline.addLast(new UpstreamHandshake(meters, hostname, failed));
    }

    @Override
    public String toString() {
        return enabled() ? "TLS to backends as " + hostname : "h2c";
    }
}
