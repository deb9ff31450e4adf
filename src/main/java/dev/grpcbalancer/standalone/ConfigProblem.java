package dev.grpcbalancer.standalone;

import static java.util.Objects.requireNonNull;

/**
 * One reason a standalone configuration file was rejected, rendered by {@link #toString()} as
 * {@code balancers.yaml: document 2 (shop/greeter): spec.listener.port: must be 1..65535, got 70000}.
 *
 * @param file the file as the user named it
 * @param document the 1-based number of the YAML document in the file ({@code ---} separated,
 *     empty documents count too), or 0 when the problem concerns the whole file
 * @param balancer {@code namespace/name} of the document's balancer, or null when unknown
 * @param field path of the offending field ({@code spec.staticEndpoints[2]}), or null
 * @param message what is wrong
 */
public record ConfigProblem(String file, int document, String balancer, String field, String message) {

    public ConfigProblem {
        requireNonNull(file, "file");
        requireNonNull(message, "message");
        if (document < 0) {
            throw new IllegalArgumentException("document must be >= 0: " + document);
        }
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(file);
        if (document > 0) {
            out.append(": document ").append(document);
            if (balancer != null) {
                out.append(" (").append(balancer).append(')');
            }
        }
        if (field != null) {
            out.append(": ").append(field);
        }
        return out.append(": ").append(message).toString();
    }
}
