package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

/**
 * One reason a {@code GrpcBalancer} cannot be used.
 *
 * @param field path of the offending field as users write it, e.g. {@code spec.listener.port} or
 *     {@code spec.staticEndpoints[2]} (list indexes start at 0)
 * @param message what is wrong, phrased for the user, e.g. {@code must be 1..65535, got 70000}
 */
public record SpecError(String field, String message) {

    public SpecError {
        requireNonNull(field, "field");
        requireNonNull(message, "message");
    }

    /** {@code field: message}. */
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
