package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BalancerConfig;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of translating one {@code GrpcBalancer}: either a {@link BalancerConfig} or the
 * non-empty list of {@link SpecError}s that prevent it, never both.
 */
public final class Translation {

    private final BalancerConfig config;
    private final List<SpecError> errors;

    private Translation(BalancerConfig config, List<SpecError> errors) {
        this.config = config;
        this.errors = errors;
    }

    static Translation valid(BalancerConfig config) {
        return new Translation(requireNonNull(config, "config"), List.of());
    }

    static Translation invalid(List<SpecError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an invalid translation needs at least one error");
        }
        return new Translation(null, List.copyOf(errors));
    }

    public boolean isValid() {
        return config != null;
    }

    /**
     * The translated balancer.
     *
     * @throws IllegalStateException when the resource was invalid (see {@link #errors()})
     */
    public BalancerConfig config() {
        if (config == null) {
            throw new IllegalStateException("invalid balancer: " + errors);
        }
        return config;
    }

    /** Why the resource cannot be used, in field order; empty when {@link #isValid()}. */
    public List<SpecError> errors() {
        return errors;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Translation other && Objects.equals(config, other.config) && errors.equals(other.errors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(config, errors);
    }

    @Override
    public String toString() {
        return isValid() ? "Translation[valid " + config + "]" : "Translation[invalid " + errors + "]";
    }
}
