package dev.grpcbalancer.deploy;

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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The helm binary for the chart tests, found by {@link Tools}: from PATH, else from the folder
 * that {@code .ci/install-k8s-tools.sh} installs into (the build runs it before the tests).
 */
final class Helm {

    static final Path REPO = Path.of("").toAbsolutePath();
    static final Path CHART = REPO.resolve("charts/grpc-balancer");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path binary;

    private Helm(Path binary) {
        this.binary = binary;
    }

    /**
     * helm from PATH or the tools folder; the test is skipped (failed under {@code CI=true}) with
     * the command that installs it when it is in neither.
     */
    static Helm require() {
        return new Helm(Tools.require("helm"));
    }

    Path binary() {
        return binary;
    }

    /** Runs {@code helm args...} in the repository root. */
    Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        return exec(command, Map.of());
    }

    /**
     * Runs a command in the repository root with extra environment variables; fails the test when
     * it does not finish within a minute (the process is killed).
     */
    static Result exec(List<String> command, Map<String, String> env) {
        requireNonNull(command, "command");
        try {
            // Output goes to files, not pipes: nothing to drain, no deadlock on a full pipe.
            Path stdout = Files.createTempFile("helm-", ".out");
            Path stderr = Files.createTempFile("helm-", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(REPO.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                        .redirectOutput(stdout.toFile())
                        .redirectError(stderr.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(command + " did not finish within " + TIMEOUT);
                }
                return new Result(command, process.exitValue(),
                        Files.readString(stdout, StandardCharsets.UTF_8),
                        Files.readString(stderr, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(stdout);
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** A finished command: its exit code and output. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        Result {
            command = List.copyOf(command);
            requireNonNull(stdout, "stdout");
            requireNonNull(stderr, "stderr");
        }

        /** stdout, or an AssertionError with the command and stderr when it exited non-zero. */
        String orFail() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + stderr + stdout);
            }
            return stdout;
        }
    }
}
