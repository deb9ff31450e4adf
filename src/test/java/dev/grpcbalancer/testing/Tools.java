package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The tools the tests run outside the JVM (helm, kubectl, promtool, actionlint), found where
 * {@code .ci/install-k8s-tools.sh} looks and installs: on PATH, else in its tools folder. The
 * build runs that script in its {@code initialize} phase, so {@code mvn verify} has them wherever
 * they can be installed.
 *
 * <p>A test that needs a missing tool is skipped with the command that installs it; under
 * {@code CI=true} it fails instead, so that CI never passes by skipping.
 */
public final class Tools {

    /** The install script, for messages. */
    public static final String INSTALL = "bash .ci/install-k8s-tools.sh";

    private Tools() {
    }

    /**
     * {@code ${GRPC_BALANCER_TOOLS:-$HOME/.cache/grpc-balancer/tools}}: the script's folder. Like
     * the script, {@code $HOME} comes first; Java's {@code user.home} (which may differ, e.g. on a
     * runner that sets HOME elsewhere) only when HOME is unset.
     */
    public static Path folder() {
        return folder(System.getenv(), System.getProperty("user.home"));
    }

    static Path folder(Map<String, String> env, String userHome) {
        String tools = env.get("GRPC_BALANCER_TOOLS");
        if (tools != null && !tools.isEmpty()) {
            return Path.of(tools);
        }
        String home = env.get("HOME");
        return Path.of(home == null || home.isEmpty() ? userHome : home, ".cache", "grpc-balancer", "tools");
    }

    /** The folder of executables the script installs into. */
    public static Path bin() {
        return folder().resolve("bin");
    }

    /** The executable {@code name} from PATH, else from {@link #bin()}. */
    public static Optional<Path> find(String name) {
        requireNonNull(name, "name");
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name));
        return Stream.concat(onPath, Stream.of(bin().resolve(name))).filter(Files::isExecutable).findFirst();
    }

    /** The executable {@code name}, or the test is skipped (failed under CI=true) with how to install it. */
    public static Path require(String name) {
        Optional<Path> found = find(name);
        requirePresent(found.isPresent(), name + " is neither on PATH nor in " + bin());
        return found.get();
    }

    /**
     * Skips the test with {@code missing} and the install hint when {@code present} is false; under
     * {@code CI=true} fails it instead.
     */
    public static void requirePresent(boolean present, String missing) {
        if (present) {
            return;
        }
        String message = missing + ": run " + INSTALL + " (mvn verify runs it in the initialize phase)";
        if (inCi()) {
            throw new AssertionError(message + "; CI=true, so this fails instead of skipping");
        }
        Assumptions.abort(message + "; the test is skipped");
    }

    /** True when the environment says CI ({@code CI=true}, as GitHub Actions and .ci/run set it). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
