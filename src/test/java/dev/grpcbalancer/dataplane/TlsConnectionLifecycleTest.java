package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.ListenerLifecycle;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import dev.grpcbalancer.testing.RawHttp2Client;
import dev.grpcbalancer.testing.tls.MemoryTls;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How long connections live when they speak TLS, on the in-memory world with the proxy's real TLS
 * handlers and its clock moved by hand: a TLS client connection gets GOAWAY at its maximum age and
 * its calls get the grace to finish, an idle one is closed, a client that PINGs too often gets
 * GOAWAY ENHANCE_YOUR_CALM, and keepalive PINGs over a TLS connection to a backend find a backend
 * that stopped answering.
 */
class TlsConnectionLifecycleTest {

    private static final String PATH = "/test.Echo/Unary";
    private static final TestPki.Ca CA = TestPki.ca("tls-lifecycle-test-ca");
    private static final TestPki.Issued LISTENER = CA.server("greeter.example.com").issue();
    private static final TestPki.Issued BACKEND = CA.server("backend.example.com").issue();
    private static final String A = "10.0.0.1:50051";
    private static final Duration AGE = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration STEP = Duration.ofMillis(10);

    private InMemoryProxy proxy;

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void aTlsClientConnectionPastItsMaxAgeGetsGoAwayAndItsCallsGetTheGraceToFinish() {
        start(c -> c.withListener(new ListenerLifecycle(AGE, GRACE, Duration.ZERO)));
        MemoryBackend backend = proxy.backend(A).answer(stream -> { });
        MemoryClient client = connectTls();
        MemoryClient.Call answered = client.unary(PATH, "answered in the grace");
        MemoryClient.Call unanswered = client.unary(PATH, "never answered");
        proxy.run();
        assertThat(backend.streams()).hasSize(2);

        proxy.advance(AGE.multipliedBy(9).dividedBy(10).minus(STEP));
        assertThat(client.goAwayReceived()).as("no GOAWAY before 90 % of the age").isNull();
        long steps = 0;
        while (client.goAwayReceived() == null) {
            proxy.advance(STEP);
            assertThat(++steps).as("GOAWAY by 110 % of the age").isLessThanOrEqualTo(AGE.dividedBy(STEP) / 5 + 1);
        }
        // the client answered the PING that followed the first GOAWAY at once: the second one is there
        assertThat(client.goAwayReceived()).isEqualTo(new MemoryClient.GoAway(3, Http2Error.NO_ERROR.code()));

        proxy.advance(GRACE.minus(STEP.multipliedBy(2)));
        backend.streams().get(0).respond(GrpcCode.OK, "late");
        proxy.run();
        assertThat(answered.status()).as("answered within the grace").isEqualTo(GrpcCode.OK);
        assertThat(client.isClosed()).as("open while a call may still finish").isFalse();

        proxy.advance(STEP.multipliedBy(3));
        assertThat(client.isClosed()).as("closed when the grace is over").isTrue();
        assertThat(unanswered.ended()).isFalse();
        assertThat(backend.streams().get(1).resetByProxy()).as("the backend hears the call is gone")
                .isEqualTo(Http2Error.CANCEL.code());
    }

    @Test
    void anIdleTlsClientConnectionIsClosedWithGoAwayAtTheIdleTimeout() {
        start(c -> c.withListener(new ListenerLifecycle(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1))));
        MemoryClient client = connectTls();
        MemoryClient.Call call = client.unary(PATH, "hi");
        proxy.run();
        assertThat(call.status()).isEqualTo(GrpcCode.OK);

        proxy.advance(Duration.ofMillis(999));
        assertThat(client.isClosed()).as("open within the idle timeout").isFalse();
        proxy.advance(Duration.ofMillis(1));

        assertThat(client.goAwayReceived()).isEqualTo(new MemoryClient.GoAway(1, Http2Error.NO_ERROR.code()));
        assertThat(client.isClosed()).isTrue();
    }

    @Test
    void aTlsClientThatPingsTooOftenGetsGoAwayEnhanceYourCalm() {
        start(UnaryOperator.identity());
        MemoryClient client = connectTls();
        for (int i = 1; i <= 3; i++) {
            client.send(RawHttp2Client.PING, 0, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i});
            proxy.run();
        }

        assertThat(client.frames(RawHttp2Client.PING, 0)).as("every PING answered, then GOAWAY: %s", client.frames())
                .hasSize(3);
        assertThat(client.goAwayReceived()).isEqualTo(new MemoryClient.GoAway(0, Http2Error.ENHANCE_YOUR_CALM.code()));
        assertThat(client.isClosed()).isTrue();
    }

    @Test
    void keepalivePingsOverTlsToABackendKeepALiveCallAndEndOneOnASilentBackendUnavailable() {
        MemoryBackend backend = tlsBackendWithKeepalive();
        MemoryClient client = connectTls();
        MemoryClient.Call held = client.unary(PATH, "hi");
        proxy.run();
        assertThat(backend.streams()).as("the call reached the backend over TLS").hasSize(1);
        assertThat(backendHandshakes()).isEqualTo(1);

        proxy.advance(Duration.ofSeconds(5));
        assertThat(held.ended()).as("a live backend answers the PINGs: %s", held.message()).isFalse();
        MemoryBackend.Connection connection = backend.connections().get(0);
        assertThat(connection.frames(RawHttp2Client.PING, 0)).as("keepalive PINGs through TLS").hasSizeGreaterThanOrEqualTo(4);

        connection.freeze(); // a partition: no frame, no PING ack, no FIN
        proxy.advance(Duration.ofMillis(1900));
        assertThat(held.ended()).as("ended before interval + timeout").isFalse();
        proxy.advance(Duration.ofMillis(200));

        assertThat(held.status()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(connection.isClosed()).isTrue();
        backend.answer(MemoryBackend.ECHO);
        proxy.advance(Duration.ofMillis(100)); // the pool reconnects in the background
        MemoryClient.Call next = client.unary(PATH, "again");
        proxy.run();
        assertThat(next.status()).isEqualTo(GrpcCode.OK);
        assertThat(backend.connections()).hasSize(2);
        assertThat(backendHandshakes()).as("the new connection is TLS too").isEqualTo(2);
    }

    @Test
    void aTlsBackendThatStopsReadingAndAnsweringEndsItsCallsAtIntervalPlusTimeoutNotAfterAClosingHandshake() {
        MemoryBackend backend = tlsBackendWithKeepalive();
        MemoryClient.Call held = connectTls().unary(PATH, "hi");
        proxy.run();
        MemoryBackend.Connection connection = backend.connections().get(0);
        connection.freeze();
        connection.stopReading(); // a hung process: its socket takes no more bytes, so no close_notify leaves

        proxy.advance(Duration.ofMillis(2100));

        assertThat(held.status()).as("dead at interval + timeout: %s", held.message()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(connection.isClosed()).isTrue();
    }

    /** Keepalive every second with a one-second timeout, TLS to backend A, which never answers a call. */
    private MemoryBackend tlsBackendWithKeepalive() {
        start(c -> c.withKeepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .withBackendTls(TlsConfigs.backend(CA, "backend.example.com", null)));
        return proxy.backend(A).tls(BACKEND).answer(stream -> { });
    }

    private double backendHandshakes() {
        return proxy.registry().get("grpcbalancer.backend.tls.handshakes").tag("result", "ok").tag("version", "TLSv1.3")
                .counter().count();
    }

    private void start(UnaryOperator<dev.grpcbalancer.snapshot.BalancerConfig> tune) {
        proxy = InMemoryProxy.start(c -> tune.apply(c.withListenerTls(TlsConfigs.listener(LISTENER))), A);
        proxy.backend(A);
    }

    /** A client connection over TLS whose handshake is done, with the listener's certificate. */
    private MemoryClient connectTls() {
        MemoryTls tls = MemoryTls.client(CA, "greeter.example.com");
        MemoryClient client = proxy.connect(new MemoryClient(), tls);
        assertThat(tls.isHandshakeDone()).isTrue();
        assertThat(tls.applicationProtocol()).isEqualTo("h2");
        assertThat(tls.peerCertificate().getSerialNumber()).isEqualTo(LISTENER.serial());
        return client;
    }
}
