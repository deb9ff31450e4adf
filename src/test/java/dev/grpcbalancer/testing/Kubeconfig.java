package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig file for a child process: one cluster (TLS not verified), a token, namespace grpc-balancer. */
public final class Kubeconfig {

    private Kubeconfig() {
    }

    /** Writes {@code directory/kubeconfig} pointing at {@code server} (e.g. the mock API server's URL). */
    public static Path write(Path directory, String server) throws IOException {
        requireNonNull(server, "server");
        return Files.writeString(directory.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: test
                  user: {token: test}
                contexts:
                - name: test
                  context: {cluster: test, user: test, namespace: grpc-balancer}
                current-context: test
                """.formatted(server));
    }
}
