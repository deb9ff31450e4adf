package dev.grpcbalancer.admin;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.testing.Await;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

final class AdminServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static EventLoopGroup group;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AdminServer> servers = new ArrayList<>();

    @BeforeAll
    static void startEventLoop() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopEventLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeServers() {
        servers.forEach(AdminServer::close);
        registry.close();
    }

    @Test
    void healthzIsOkEvenWhenNotReady() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> false));

        HttpResponse<String> response = get(server, "/healthz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    }

    @Test
    void readyzFollowsTheReadinessSupplierAndGivesTheReason() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, ready::get)
                .notReadyReason(() -> "no routing snapshot yet"));

        HttpResponse<String> notReady = get(server, "/readyz");
        ready.set(true);
        HttpResponse<String> isReady = get(server, "/readyz");

        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).isEqualTo("not ready: no routing snapshot yet");
        assertThat(isReady.statusCode()).isEqualTo(200);
        assertThat(isReady.body()).isEqualTo("ready");
    }

    @Test
    void readyzIsUnavailableWhenTheReadinessCheckThrows() throws Exception {
        BooleanSupplier broken = () -> {
            throw new IllegalStateException("deliberately broken readiness check");
        };
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, broken));

        HttpResponse<String> response = get(server, "/readyz");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("not ready");
    }

    @Test
    void metricsServesThePrometheusTextFormat() throws Exception {
        registry.counter("admin_test_requests", "outcome", "ok").increment(3);
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));

        HttpResponse<String> response = get(server, "/metrics");
        HttpResponse<String> withQuery = get(server, "/metrics?name[]=admin_test_requests_total");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body())
                .contains("# TYPE admin_test_requests_total counter")
                .contains("admin_test_requests_total{outcome=\"ok\"} 3.0");
        assertThat(withQuery.statusCode()).isEqualTo(200);
    }

    @Test
    void extraJsonRoutesAnswerWithTheirSupplierOnEveryRequest() throws Exception {
        AtomicBoolean second = new AtomicBoolean();
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true)
                .jsonRoute("/debug/balancers", () -> second.getAndSet(true) ? "[\"b\"]" : "[\"a\"]"));

        HttpResponse<String> first = get(server, "/debug/balancers");
        HttpResponse<String> next = get(server, "/debug/balancers");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(first.body()).isEqualTo("[\"a\"]");
        assertThat(next.body()).isEqualTo("[\"b\"]");
    }

    @Test
    void aFailingJsonRouteAnswers500AndTheServerKeepsServing() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true)
                .jsonRoute("/debug/broken", () -> {
                    throw new IllegalStateException("deliberately broken debug route");
                }));

        assertThat(get(server, "/debug/broken").statusCode()).isEqualTo(500);
        assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathIs404AndOtherMethodsAre405() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));

        HttpResponse<String> unknown = get(server, "/nope");
        HttpResponse<String> post = client.send(
                request(server, "/healthz").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void keepsTheConnectionOpenBetweenRequestsAndClosesItWhenAsked() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));

        try (Socket socket = new Socket(LOOPBACK, server.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));

            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").endsWith("ok");

            out.write("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(US_ASCII));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK")
                    .containsIgnoringCase("connection: close").endsWith("ready");

            assertThat(in.read()).as("server closed the connection").isEqualTo(-1);
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));

        try (Socket socket = new Socket(LOOPBACK, server.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));

            assertThat(readResponse(in)).endsWith("ready");
            assertThat(readResponse(in)).endsWith("ok");
        }
    }

    @Test
    void http10ClosesUnlessKeepAliveIsAsked() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));

        try (Socket socket = new Socket(LOOPBACK, server.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));

            out.write("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(US_ASCII));
            assertThat(readResponse(in)).startsWith("HTTP/1.0 200 OK").containsIgnoringCase("connection: keep-alive");
            out.write("GET /healthz HTTP/1.0\r\n\r\n".getBytes(US_ASCII));
            assertThat(readResponse(in)).startsWith("HTTP/1.0 200 OK");
            assertThat(in.read()).as("server closed the connection").isEqualTo(-1);
        }
    }

    @Test
    void startFailsWithAMessageNamingThePortWhenItIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            AdminServer server = AdminServer.builder(new InetSocketAddress(LOOPBACK, taken.getLocalPort()),
                    group, registry, () -> true).build();
            servers.add(server);

            assertThatThrownBy(server::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void closeReleasesThePortAndClosesOpenConnections() throws Exception {
        AdminServer server = start(AdminServer.builder(anyPort(), group, registry, () -> true));
        int port = server.port();

        try (Socket idle = new Socket(LOOPBACK, port)) {
            idle.setSoTimeout((int) TIMEOUT.toMillis());
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);

            server.close();
            server.close();

            assertThat(idle.getInputStream().read()).as("open connection closed").isEqualTo(-1);
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
            // NIO frees a selector-registered listening socket when its key is next deregistered,
            // which can be a moment after the close future completes.
            Await.until(TIMEOUT, () -> refusesConnections(port), () -> "port " + port + " refusing connections");
        }
    }

    @Test
    void rejectsRoutesThatClashOrAreNotAbsolutePaths() {
        AdminServer.Builder builder = AdminServer.builder(anyPort(), group, registry, () -> true)
                .jsonRoute("/debug/a", () -> "{}");

        assertThatThrownBy(() -> builder.jsonRoute("/metrics", () -> "{}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.jsonRoute("/debug/a", () -> "{}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.jsonRoute("debug/b", () -> "{}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.jsonRoute("/debug/c?x=1", () -> "{}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean refusesConnections(int port) {
        try (Socket socket = new Socket(LOOPBACK, port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetSocketAddress anyPort() {
        return new InetSocketAddress(LOOPBACK, 0);
    }

    private AdminServer start(AdminServer.Builder builder) {
        AdminServer server = builder.build();
        servers.add(server);
        server.start();
        return server;
    }

    private HttpResponse<String> get(AdminServer server, String path) throws IOException, InterruptedException {
        return client.send(request(server, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(AdminServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://" + LOOPBACK.getHostAddress() + ":" + server.port() + path))
                .timeout(TIMEOUT);
    }

    /** Reads one response with a Content-Length body; returns the head and the body as one string. */
    private static String readResponse(BufferedReader in) throws IOException {
        StringBuilder head = new StringBuilder();
        int contentLength = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.append(line).append('\n');
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                contentLength = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[contentLength];
        int read = 0;
        while (read < contentLength) {
            int n = in.read(body, read, contentLength - read);
            if (n < 0) {
                throw new IOException("connection closed inside a response body");
            }
            read += n;
        }
        return head.append('\n').append(body).toString();
    }
}
