package dev.grpcbalancer.controller;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * fabric8's CRUD mock API server in a JVM of its own, for benchmarks: as a real API server, its
 * work (it scans every stored object for each request) and its garbage collections are not in the
 * measured process's heap or pauses; it still shares the machine's cores. {@link #main} serves
 * until its standard input closes; {@link #start} runs it as a child process.
 */
final class MockApiServer implements AutoCloseable {

    private static final String READY = "mock API server at ";
    /**
     * Held: java.util.logging keeps loggers weakly, and a level set on one that was collected is
     * lost (the server then logs every request at INFO, on the cores being measured).
     */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    private final Process process;
    private final String url;

    private MockApiServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** Starts the server in a child JVM (the caller's class path) and waits until it serves. */
    static MockApiServer start() throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", classPath(), MockApiServer.class.getName());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(READY)) {
                return new MockApiServer(process, line.substring(READY.length()).trim());
            }
        }
        process.destroyForcibly();
        throw new IOException("the mock API server exited before serving: " + command);
    }

    /** A client of the server (plain HTTP, any token). */
    KubernetesClient client() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withTrustCerts(true).withOauthToken("bench")
                .withNamespace("default").build();
        return ApiClients.create(config);
    }

    /** Closes the server's standard input, which stops it; kills it if it has not gone after 10 s. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** The class path this class was loaded from: exec:java's class loader, else the JVM's own. */
    private static String classPath() {
        if (MockApiServer.class.getClassLoader() instanceof URLClassLoader loader && loader.getURLs().length > 0) {
            return Arrays.stream(loader.getURLs()).map(MockApiServer::file).collect(Collectors.joining(File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    private static String file(URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
    }

    public static void main(String[] args) throws IOException {
        // The mock server logs every request at INFO (java.util.logging).
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        System.out.println(READY + server.url("/"));
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // serve until the parent closes our standard input (or dies)
            }
        } finally {
            server.destroy();
        }
    }
}
