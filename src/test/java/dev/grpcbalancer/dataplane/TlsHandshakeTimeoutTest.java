package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.testing.Http2Peer;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A TLS listener on the in-memory world with the proxy's clock moved by hand: a client that holds
 * a connection open without finishing its ClientHello is closed at the handshake timeout (10 s),
 * not before, and counted as a failed handshake of reason {@code timeout}.
 */
class TlsHandshakeTimeoutTest {

    private static final TestPki.Ca CA = TestPki.ca("timeout-test-ca");
    private static final TestPki.Issued CERTIFICATE = CA.server("greeter.example.com").issue();

    private final InMemoryProxy proxy = InMemoryProxy.start(c -> c.withListenerTls(TlsConfigs.listener(CERTIFICATE)),
            "10.0.0.1:50051");

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void clientThatSendsNothingIsClosedAtTheHandshakeTimeout() {
        RawClient client = proxy.connect(new RawClient());

        proxy.advance(Duration.ofMillis(9_999));
        assertThat(client.isClosed()).as("closed before the handshake timeout").isFalse();
        assertThat(timeouts()).isZero();

        proxy.advance(Duration.ofMillis(1));
        assertThat(client.isClosed()).as("closed at the handshake timeout").isTrue();
        assertThat(timeouts()).isEqualTo(1);
    }

    @Test
    void clientThatStopsInTheMiddleOfItsClientHelloIsClosedAtTheHandshakeTimeout() {
        RawClient client = proxy.connect(new RawClient());
        // a TLS handshake record of 512 bytes (type 22, version 3.1), of which only the header arrives
        client.send(new byte[] {22, 3, 1, 2, 0});
        proxy.run();

        proxy.advance(Duration.ofMillis(9_999));
        assertThat(client.isClosed()).isFalse();

        proxy.advance(Duration.ofMillis(1));
        assertThat(client.isClosed()).isTrue();
        assertThat(timeouts()).isEqualTo(1);
    }

    private double timeouts() {
        Counter counter = proxy.registry().find("grpcbalancer.tls.handshakes")
                .tags("result", "failed", "reason", "timeout").counter();
        return counter == null ? 0 : counter.count();
    }

    /** A client end that sends only the bytes a test gives it. */
    private static final class RawClient extends Http2Peer {
        RawClient() {
            super(false);
        }

        void send(byte[] bytes) {
            sendRaw(bytes);
        }

        @Override
        protected void onHeaders(int streamId, Http2Headers headers, boolean endStream) {
        }

        @Override
        protected void onData(int streamId, byte[] data, boolean endStream) {
        }

        @Override
        protected void onReset(int streamId, long errorCode) {
        }
    }
}
