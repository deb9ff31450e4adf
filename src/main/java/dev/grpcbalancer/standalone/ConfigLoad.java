package dev.grpcbalancer.standalone;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.List;

/**
 * The outcome of reading a standalone configuration file: the routing snapshot it describes, or
 * the non-empty list of problems that reject it as a whole.
 */
public final class ConfigLoad {

    private final RoutingSnapshot snapshot;
    private final List<ConfigProblem> problems;

    private ConfigLoad(RoutingSnapshot snapshot, List<ConfigProblem> problems) {
        this.snapshot = snapshot;
        this.problems = problems;
    }

    static ConfigLoad valid(RoutingSnapshot snapshot) {
        return new ConfigLoad(requireNonNull(snapshot, "snapshot"), List.of());
    }

    static ConfigLoad invalid(List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid load needs at least one problem");
        }
        return new ConfigLoad(null, List.copyOf(problems));
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
