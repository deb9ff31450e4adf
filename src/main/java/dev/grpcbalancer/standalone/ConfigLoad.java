package dev.grpcbalancer.standalone;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The outcome of reading a standalone configuration file: the routing snapshot it describes, or
 * the non-empty list of problems that reject it as a whole; either way, the directories its
 * certificate references read, and a digest of what they held (so a change can be noticed).
 */
public final class ConfigLoad {

    private final RoutingSnapshot snapshot;
    private final List<ConfigProblem> problems;
    private final Set<Path> directories;
    private final String directoriesDigest;

    private ConfigLoad(RoutingSnapshot snapshot, List<ConfigProblem> problems, DirectoryFiles read) {
        this.snapshot = snapshot;
        this.problems = problems;
        this.directories = read.directories();
        this.directoriesDigest = read.digest();
    }

    static ConfigLoad valid(RoutingSnapshot snapshot, DirectoryFiles read) {
        return new ConfigLoad(requireNonNull(snapshot, "snapshot"), List.of(), read);
    }

    static ConfigLoad invalid(List<ConfigProblem> problems) {
        return invalid(problems, new DirectoryFiles());
    }

    static ConfigLoad invalid(List<ConfigProblem> problems, DirectoryFiles read) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid load needs at least one problem");
        }
        return new ConfigLoad(null, List.copyOf(problems), read);
    }

    /** The directories that {@code Directory} references named (watched by the standalone source). */
    public Set<Path> directories() {
        return directories;
    }

    /** What those directories held when read ({@link DirectoryFiles#digest()}). */
    String directoriesDigest() {
        return directoriesDigest;
    }

    public boolean isValid() {
        return snapshot != null;
    }

    /**
     * The snapshot the file describes.
     *
     * @throws IllegalStateException when the file was rejected (see {@link #problems()})
     */
    public RoutingSnapshot snapshot() {
        if (snapshot == null) {
            throw new IllegalStateException("configuration rejected: " + problems);
        }
        return snapshot;
    }

    /** Why the file was rejected, in file order; empty when {@link #isValid()}. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    @Override
    public String toString() {
        return isValid() ? "ConfigLoad[valid " + snapshot + "]" : "ConfigLoad[invalid " + problems + "]";
    }
}
