package dev.grpcbalancer.e2e;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code helm} binary on this machine, run against one cluster's kubeconfig. It is found on
 * PATH, else where {@code .ci/install-k8s-tools.sh} puts it
 * ({@code ${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools}/bin/helm}), see {@link Tools}.
 */
final class Helm {

    private final Path binary;
    private final Path kubeconfig;
    private final Path directory;

    private Helm(Path binary, Path kubeconfig, Path directory) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.directory = directory;
    }

    /** Where helm is, if anywhere. */
    static Optional<Path> find() {
        return Tools.find("helm");
    }

    /** helm at {@code binary} for the cluster of {@code kubeconfig}; output files go to {@code directory}. */
    static Helm of(Path binary, Path kubeconfig, Path directory) {
        return new Helm(requireNonNull(binary, "binary"), requireNonNull(kubeconfig, "kubeconfig"),
                requireNonNull(directory, "directory"));
    }

    /** Result of one helm command: exit code and both outputs together. */
    record Result(List<String> command, int exitCode, String output) {
        Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs {@code helm args...}; a command still running after {@code timeout} is killed and fails. */
    Result run(Duration timeout, String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile(directory, "helm-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().put("KUBECONFIG", kubeconfig.toString());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " still running after " + timeout + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(command, process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
    }
}
