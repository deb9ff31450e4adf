package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.standalone.StandaloneSource;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.LogCapture;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsProbe;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode with a certificate in a directory laid out like a mounted Secret (files that
 * link into a {@code ..data} directory, swapped by one rename on update, as the kubelet does):
 * rotation under load reaches new connections without failing a call, and a broken certificate is
 * rejected while the last good one keeps serving.
 */
class StandaloneTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestPki.Ca CA = TestPki.ca("standalone-tls-test-ca");

    @TempDir
    Path directory;

    private Path certificates;
    private TestBackend backend;
    private DataPlane dataPlane;
    private StandaloneSource source;
    private LogCapture logs;
    private InetSocketAddress listener;
    private int version;

    @BeforeEach
    void start() throws IOException {
        backend = TestBackend.start("a", "127.0.0.2");
        dataPlane = new DataPlane(ProxyFixture.settings());
        certificates = Files.createDirectories(directory.resolve("tls"));
        listener = new InetSocketAddress(ProxyFixture.HOST, FreePorts.freeLoopbackPort());
        logs = LogCapture.of(StandaloneSource.class);
    }

    @AfterEach
    void stop() {
        logs.close();
        if (source != null) {
            source.close();
        }
        dataPlane.close();
        backend.close();
    }

    @Test
    void certificateRotatedInAMountedDirectoryReachesNewConnectionsWithoutFailingACall() throws Exception {
        TestPki.Issued first = CA.server("greeter.example.com").issue();
        TestPki.Issued second = CA.server("greeter.example.com").rsa().issue();
        mount(first.chainPem(), first.keyPem(TestPki.KeyFormat.TRADITIONAL));
        startSource();

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(listener, 3,
                client -> client.tls(GrpcTls.client(CA.certificate())).authority("greeter.example.com:443"))) {
            load.awaitSucceeded(100, WAIT);
            assertThat(servedSerial()).isEqualTo(first.serial());

            mount(second.chainPem(), second.keyPem(TestPki.KeyFormat.TRADITIONAL));

            Await.until(WAIT, () -> second.serial().equals(servedSerial()), () -> "the rotated certificate served");
            load.awaitCallsStartedFromNow(WAIT);
            load.awaitSucceeded(load.succeeded() + 100, WAIT);
            assertThat(load.failures()).as(load.toString()).isEmpty();
        }
        logs.awaitLine(Level.INFO, "listener TLS settings", WAIT);
    }

    @Test
    void brokenCertificateInTheDirectoryIsRejectedAndTheLastGoodOneKeepsServing() throws Exception {
        TestPki.Issued good = CA.server("greeter.example.com").issue();
        TestPki.Issued other = CA.server("other.example.com").issue();
        mount(good.chainPem(), good.keyPem());
        startSource();

        mount(good.chainPem(), other.keyPem());

        String error = logs.awaitLine(Level.ERROR, "tls.key does not match", WAIT);
        assertThat(error).contains("balancers.yaml: document 1 (default/greeter): spec.listener.tls.certificateRefs[0]:"
                + " Directory " + certificates + ": tls.key does not match the certificate in tls.crt");
        assertThat(servedSerial()).isEqualTo(good.serial());
    }

    private void startSource() throws Exception {
        Path file = Files.writeString(directory.resolve("balancers.yaml"), """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata: {name: greeter}
                spec:
                  listener:
                    port: %d
                    tls:
                      certificateRefs: [{kind: Directory, name: %s}]
                  staticEndpoints: ["%s:%d"]
                """.formatted(listener.getPort(), certificates, backend.address().getHostString(), backend.port()));
        source = new StandaloneSource(file, dataPlane);
        source.start();
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
    }

    /**
     * Writes the files as the kubelet updates a Secret volume: into a new timestamped directory,
     * then one rename of the {@code ..data} link; {@code tls.crt} and {@code tls.key} link through it.
     */
    private void mount(String certificate, String key) throws IOException {
        Path next = Files.createDirectory(certificates.resolve("..v" + ++version));
        Files.writeString(next.resolve("tls.crt"), certificate);
        Files.writeString(next.resolve("tls.key"), key);
        Path link = certificates.resolve("..data_tmp");
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, certificates.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String name : new String[] {"tls.crt", "tls.key"}) {
            if (!Files.exists(certificates.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(certificates.resolve(name), Path.of("..data", name));
            }
        }
    }

    private BigInteger servedSerial() {
        try {
            return TlsProbe.to(listener).sni("greeter.example.com").handshake().peer().getSerialNumber();
        } catch (IOException e) {
            throw new AssertionError("handshake with " + listener + " failed", e);
        }
    }
}
