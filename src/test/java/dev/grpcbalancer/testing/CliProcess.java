package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

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
 * The real command line ({@code dev.grpcbalancer.Main}) in a child JVM with the test's class path,
 * its output in files (so a chatty child never blocks on a full pipe). {@link #close()} kills it
 * if it still runs: call it from {@code @AfterEach}.
 *
 * <pre>{@code
 * try (CliProcess cli = CliProcess.start(directory, "run", "--config", file.toString())) {
 *     cli.terminate();                         // SIGTERM, as Kubernetes sends it
 *     assertThat(cli.awaitExit(Duration.ofSeconds(10))).isTrue();
 *     assertThat(cli.exitCode()).isZero();
 * }
 * }</pre>
 */
public final class CliProcess implements AutoCloseable {

    private static final String MAIN = "dev.grpcbalancer.Main";
    /** Quick start-up for a short-lived child; the test, not the child, is what is measured. */
    private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m");

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final List<String> command;

    private CliProcess(Process process, Path stdout, Path stderr, List<String> command) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.command = command;
    }

    /**
     * Starts {@code grpc-balancer args...}; stdout and stderr go to files in {@code directory},
     * named after {@code name}.
     */
    public static CliProcess start(Path directory, String name, String... args) {
        return start(directory, name, Map.of(), args);
    }

    /** As {@link #start(Path, String, String...)}, with {@code environment} added to the child's environment. */
    public static CliProcess start(Path directory, String name, Map<String, String> environment, String... args) {
        requireNonNull(directory, "directory");
        requireNonNull(environment, "environment");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN);
        command.addAll(List.of(args));
        Path stdout = directory.resolve(name + ".stdout");
        Path stderr = directory.resolve(name + ".stderr");
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            return new CliProcess(process, stdout, stderr, command);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Asks the process to stop: SIGTERM on Linux (what {@link Process#destroy()} sends). */
    public void terminate() {
        process.destroy();
    }

    /** Waits up to {@code timeout} for the process to exit; true if it did. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; the process must have exited. */
    public int exitCode() {
        return process.exitValue();
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    /** Both outputs and the command, for failure messages. */
    public String describe() {
        return "command: " + String.join(" ", command.subList(command.indexOf(MAIN), command.size()))
                + "\n--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process (SIGKILL) if it is still running and waits for it to go. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
        }
    }
}
