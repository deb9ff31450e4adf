package dev.grpcbalancer.testing.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A bare TLS handshake with the JDK's {@link SSLSocket}, to see exactly what a listener serves:
 * the certificate for an SNI name, the negotiated version and ALPN protocol, the session (for
 * resumption). Trusts whatever the server presents unless told otherwise: tests look at it.
 *
 * <pre>{@code
 * TlsProbe probe = TlsProbe.to(address).sni("b.example.com");
 * TlsProbe.Handshake done = probe.handshake();   // throws SSLException when refused
 * assertThat(done.peer().getSerialNumber()).isEqualTo(issued.serial());
 * }</pre>
 */
public final class TlsProbe {

    /** What a handshake ended with. */
    public record Handshake(X509Certificate peer, String protocol, String applicationProtocol, SSLSession session) {
    }

    private final InetSocketAddress target;
    private String sni;
    private List<String> alpn = List.of("h2");
    private List<String> protocols = List.of("TLSv1.3", "TLSv1.2");
    private TestPki.Issued clientCertificate;
    private SSLContext context;

    private TlsProbe(InetSocketAddress target) {
        this.target = target;
    }

    public static TlsProbe to(InetSocketAddress target) {
        return new TlsProbe(requireNonNull(target, "target"));
    }

    /** The SNI host name to send (none by default). */
    public TlsProbe sni(String hostname) {
        this.sni = hostname;
        return this;
    }

    /** ALPN protocols to offer ({@code h2} by default; empty for no ALPN extension). */
    public TlsProbe alpn(String... protocols) {
        this.alpn = List.of(protocols);
        return this;
    }

    /** TLS versions to offer ({@code TLSv1.3}, {@code TLSv1.2} by default). */
    public TlsProbe protocols(String... versions) {
        this.protocols = List.of(versions);
        return this;
    }

    /** Presents {@code certificate} when the server asks for one. */
    public TlsProbe clientCertificate(TestPki.Issued certificate) {
        this.clientCertificate = certificate;
        this.context = null;
        return this;
    }

    /** One handshake on a new connection, which is then closed. */
    public Handshake handshake() throws IOException {
        try (SSLSocket socket = (SSLSocket) context().getSocketFactory().createSocket()) {
            socket.connect(target, 5_000);
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(protocols.toArray(String[]::new));
            parameters.setApplicationProtocols(alpn.toArray(String[]::new));
            if (sni != null) {
                parameters.setServerNames(List.of(new SNIHostName(sni)));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            SSLSession session = socket.getSession();
            if (!session.isValid() || session.getPeerCertificates().length == 0) {
                throw new IOException("no TLS session");
            }
            return new Handshake((X509Certificate) session.getPeerCertificates()[0], session.getProtocol(),
                    socket.getApplicationProtocol(), session);
        }
    }

    /** The same context for every handshake of this probe: its session cache allows resumption. */
    private SSLContext context() {
        if (context == null) {
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                KeyManagerFactory keys = null;
                if (clientCertificate != null) {
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    store.setKeyEntry("client", clientCertificate.privateKey(), new char[0], clientCertificate.chain());
                    keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    keys.init(store, new char[0]);
                }
                tls.init(keys == null ? null : keys.getKeyManagers(), new TrustManager[] {new TrustAll()}, null);
                context = tls;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return context;
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
