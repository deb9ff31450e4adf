package dev.grpcbalancer.controller;

import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.grpc.TestBackend;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Real grpc-java backends standing in for pods: one per loopback address (127.0.0.2, 127.0.0.3,
 * ...), all on the same port, as the pods behind one EndpointSlice port are. Each answers with
 * its IP as its backend id.
 */
final class Pods implements AutoCloseable {

    private final int port;
    private final List<TestBackend> backends = new ArrayList<>();

    private Pods(int port) {
        this.port = port;
    }

    /** Starts pods on 127.0.0.{first} .. 127.0.0.{first + count - 1}, on a port free on all of them. */
    static Pods start(int first, int count) {
        for (int attempt = 0; ; attempt++) {
            Pods pods = new Pods(FreePorts.freeLoopbackPort());
            try {
                for (int i = 0; i < count; i++) {
                    pods.add(first + i);
                }
                return pods;
            } catch (UncheckedIOException e) {
                pods.close(); // the port was taken on one of the addresses: try another
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Starts one more pod at 127.0.0.{host} on the shared port. */
    TestBackend add(int host) {
        String ip = ip(host);
        TestBackend backend = TestBackend.builder(ip, new InetSocketAddress(ip, port)).start();
        backends.add(backend);
        return backend;
    }

    static String ip(int host) {
        return "127.0.0." + host;
    }

    int port() {
        return port;
    }

    List<TestBackend> all() {
        return List.copyOf(backends);
    }

    List<String> ips() {
        return backends.stream().map(TestBackend::id).toList();
    }

    TestBackend get(String ip) {
        return backends.stream().filter(b -> b.id().equals(ip)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        backends.forEach(TestBackend::close);
    }
}
