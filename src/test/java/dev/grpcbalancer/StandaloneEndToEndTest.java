package dev.grpcbalancer;

import static dev.grpcbalancer.testing.FreePorts.accepting;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.dataplane.DataPlaneSettings;
import dev.grpcbalancer.standalone.StandaloneSource;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.LogCapture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode end to end: a YAML file of GrpcBalancer documents, watched by a
 * {@link StandaloneSource}, drives a real {@link DataPlane} in front of real gRPC backends. Edits
 * are written the way editors and ConfigMap volumes do it (a new file renamed over the old one)
 * and picked up by the source's own watcher.
 */
class StandaloneEndToEndTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    private final List<TestClient> clients = new ArrayList<>();
    private Path file;
    private TestBackend a;
    private TestBackend b;
    private TestBackend c;
    private DataPlane dataPlane;
    private StandaloneSource source;
    private LogCapture logs;
    private int port;

    @BeforeEach
    void start() {
        a = TestBackend.start("a", "127.0.0.2");
        b = TestBackend.start("b", "127.0.0.3");
        c = TestBackend.start("c", "127.0.0.4");
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(2)
                .withDrainTimeout(Duration.ofSeconds(1)));
        file = directory.resolve("balancers.yaml");
        port = FreePorts.freeLoopbackPort();
        logs = LogCapture.of(StandaloneSource.class);
    }

    @AfterEach
    void stop() {
        logs.close();
        clients.forEach(TestClient::close);
        if (source != null) {
            source.close();
        }
        dataPlane.close();
        for (TestBackend backend : List.of(a, b, c)) {
            backend.close();
        }
    }

    @Test
    void callsOverOneConnectionSpreadOverTheBackendsOfTheFile() throws Exception {
        startWith(balancer("echo", port, a, b));

        Map<String, Long> byBackend = calls(client(port), 20);

        assertThat(byBackend).isEqualTo(Map.of("a", 10L, "b", 10L));
    }

    @Test
    void backendAddedToTheFileStartsTakingCalls() throws Exception {
        startWith(balancer("echo", port, a, b));
        TestClient client = client(port);
        assertThat(calls(client, 4)).containsOnlyKeys("a", "b");

        replaceFile(balancer("echo", port, a, b, c));

        Await.until(WAIT, () -> "c".equals(call(client).backendId()), () -> "a call answered by c");
        assertThat(calls(client, 30)).isEqualTo(Map.of("a", 10L, "b", 10L, "c", 10L));
    }

    @Test
    void rulesFromTheFileRouteByServiceAndANewWeightAppliesOnReload() throws Exception {
        startWith(routed(port, 1, 0));
        TestClient client = client(port);
        assertThat(routedCalls(client, "shop.Cart/Get", 10)).isEqualTo(Map.of("a", 10L));
        assertThat(routedCalls(client, "shop.Checkout/Pay", 3)).isEqualTo(Map.of("c", 3L));
        assertThat(client.unary("shop.Other/Get", TestService.utf8("x"), RequestHeaders.none(), WAIT).code())
                .isEqualTo(Status.Code.UNIMPLEMENTED);

        replaceFile(routed(port, 1, 1));

        Await.until(WAIT, () -> "b".equals(client.unary("shop.Cart/Get", TestService.utf8("x"), RequestHeaders.none(), WAIT)
                .backendId()), () -> "a cart call answered by b");
        assertThat(routedCalls(client, "shop.Cart/Get", 20)).isEqualTo(Map.of("a", 10L, "b", 10L));
    }

    /** Two rules: shop.Cart split between a and b by weight, shop.Checkout to c. */
    private String routed(int listenerPort, int weightA, int weightB) {
        return """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata: {name: front}
                spec:
                  listener: {port: %d}
                  rules:
                  - name: cart
                    matches: [{method: {service: shop.Cart}}]
                    backendRefs:
                    - {staticEndpoints: ["127.0.0.2:%d"], weight: %d}
                    - {staticEndpoints: ["127.0.0.3:%d"], weight: %d}
                  - name: checkout
                    matches: [{method: {service: shop.Checkout, method: Pay}}]
                    backendRefs: [{staticEndpoints: ["127.0.0.4:%d"]}]
                """.formatted(listenerPort, a.port(), weightA, b.port(), weightB, c.port());
    }

    private static Map<String, Long> routedCalls(TestClient client, String method, int count) {
        Map<String, Long> byBackend = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            CallResult result = client.unary(method, TestService.utf8("x"), RequestHeaders.none(), WAIT);
            assertThat(result.isOk()).as(result.toString()).isTrue();
            byBackend.merge(result.backendId(), 1L, Long::sum);
        }
        return byBackend;
    }

    @Test
    void brokenEditIsRejectedAndTheLastGoodConfigurationKeepsServing() throws Exception {
        startWith(balancer("echo", port, a, b));
        TestClient client = client(port);
        assertThat(calls(client, 2)).containsOnlyKeys("a", "b");

        replaceFile(balancer("echo", port, a, b, c).replace("port: " + port, "port: 70000"));

        // the problems are logged after the "rejected" line: wait for the problem itself
        assertThat(logs.awaitLine(Level.ERROR, "spec.listener.port", WAIT)).contains("document 1 (default/echo)");
        assertThat(logs.lines(Level.ERROR)).anyMatch(line -> line.contains("rejected, keeping the last good configuration"));
        assertThat(calls(client, 20)).isEqualTo(Map.of("a", 10L, "b", 10L));
        assertThat(c.stats().callsStarted()).isZero();

        replaceFile(balancer("echo", port, a, b, c));
        Await.until(WAIT, () -> "c".equals(call(client).backendId()), () -> "a call answered by c after the fix");
    }

    @Test
    void balancerDeletedFromTheFileStopsListeningAndTheOtherKeepsServing() throws Exception {
        int otherPort = FreePorts.freeLoopbackPort();
        startWith(balancer("echo", port, a) + "---\n" + balancer("other", otherPort, b));
        assertThat(calls(client(port), 2)).isEqualTo(Map.of("a", 2L));
        TestClient otherClient = client(otherPort);
        assertThat(calls(otherClient, 2)).isEqualTo(Map.of("b", 2L));

        replaceFile(balancer("other", otherPort, b));

        Await.until(WAIT, () -> !accepting(HOST, port), () -> "port " + port + " to close");
        assertThat(calls(otherClient, 5)).isEqualTo(Map.of("b", 5L));
        assertThat(calls(client(otherPort), 5)).isEqualTo(Map.of("b", 5L));
    }

    private void startWith(String yaml) throws Exception {
        Files.writeString(file, yaml);
        source = new StandaloneSource(file, dataPlane);
        source.start();
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
    }

    /** Writes a new version next to the file and renames it over the file, as editors do. */
    private void replaceFile(String yaml) throws IOException {
        Path next = Files.writeString(directory.resolve("balancers.yaml.tmp"), yaml);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String balancer(String name, int listenerPort, TestBackend... backends) {
        String endpoints = Arrays.stream(backends)
                .map(backend -> "\"" + backend.address().getAddress().getHostAddress() + ":" + backend.port() + "\"")
                .collect(Collectors.joining(", "));
        return """
                apiVersion: grpcbalancer.dev/v1alpha1
                kind: GrpcBalancer
                metadata:
                  name: %s
                spec:
                  listener:
                    port: %d
                  staticEndpoints: [%s]
                  loadBalancing:
                    policy: RoundRobin
                """.formatted(name, listenerPort, endpoints);
    }

    /** {@code count} successful calls, one after the other, counted by the backend that answered. */
    private static Map<String, Long> calls(TestClient client, int count) {
        Map<String, Long> byBackend = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            byBackend.merge(call(client).backendId(), 1L, Long::sum);
        }
        return byBackend;
    }

    private static CallResult call(TestClient client) {
        CallResult result = client.unary(TestService.utf8("hello"), RequestHeaders.none(), WAIT);
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        return result;
    }

    private TestClient client(int listenerPort) {
        TestClient client = TestClient.builder(new InetSocketAddress(HOST, listenerPort)).disableRetry().build();
        clients.add(client);
        return client;
    }
}
