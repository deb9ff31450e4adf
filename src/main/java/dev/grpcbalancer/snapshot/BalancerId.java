package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * Identity of one balancer: the namespace and name of its {@code GrpcBalancer} resource
 * (standalone mode uses the namespace from the document, {@code default} when absent).
 */
public record BalancerId(String namespace, String name) implements Comparable<BalancerId> {

    public BalancerId {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("namespace and name must not be empty");
        }
    }

    @Override
    public int compareTo(BalancerId other) {
        int byNamespace = namespace.compareTo(other.namespace);
        return byNamespace != 0 ? byNamespace : name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
