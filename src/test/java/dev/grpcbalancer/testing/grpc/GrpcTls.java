package dev.grpcbalancer.testing.grpc;

import dev.grpcbalancer.testing.tls.TestPki;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * grpc-java TLS contexts (its shaded Netty) for {@link TestClient} and {@link TestBackend}, from
 * {@link TestPki} certificates: h2 over TLS with ALPN, as every gRPC client and server speaks it.
 */
public final class GrpcTls {

    private GrpcTls() {
    }

    /** A client that trusts {@code ca} and presents no certificate. */
    public static SslContext client(X509Certificate ca) {
        return client(ca, null);
    }

    /** A client that trusts {@code ca} and presents {@code certificate} when asked (null: none). */
    public static SslContext client(X509Certificate ca, TestPki.Issued certificate) {
        try {
            SslContextBuilder builder = GrpcSslContexts.forClient().trustManager(ca);
            if (certificate != null) {
                builder.keyManager(certificate.privateKey(), certificate.chain());
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server with {@code certificate}. */
    public static SslContext server(TestPki.Issued certificate) {
        return server(certificate, null);
    }

    /** A server with {@code certificate} that requires client certificates from {@code clientCa} (null: none). */
    public static SslContext server(TestPki.Issued certificate, X509Certificate clientCa) {
        try {
            SslContextBuilder builder = GrpcSslContexts.configure(
                    SslContextBuilder.forServer(certificate.privateKey(), certificate.chain()));
            if (clientCa != null) {
                builder.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }
}
