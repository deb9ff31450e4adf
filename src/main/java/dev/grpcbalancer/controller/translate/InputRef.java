package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

/**
 * One object (or set of objects) a balancer's translation read from the cluster, by kind,
 * namespace and name. The controller keeps, per balancer, the refs its last translation read, and
 * translates a balancer again only when one of them changed ({@link ClusterTranslator}).
 *
 * <p>A new input kind is one more constant here, one more lookup in
 * {@link ClusterTranslator.Cluster} (recorded by {@link RecordingCluster}), and the informer that
 * reports its changes with the same ref.
 *
 * @param kind what was read, e.g. {@link #SERVICE}
 * @param namespace its namespace
 * @param name its name; for {@link #ENDPOINT_SLICES} the name of the Service the slices belong to
 */
public record InputRef(String kind, String namespace, String name) {

    /** A Service, looked up by name. */
    public static final String SERVICE = "Service";

    /**
     * The EndpointSlices of a Service, looked up by their {@code kubernetes.io/service-name} label:
     * the ref's name is the Service's name, so every slice of it (added, changed, removed) maps to
     * the one ref.
     */
    public static final String ENDPOINT_SLICES = "EndpointSlices";

    /** A Secret, looked up by name (certificates and keys). */
    public static final String SECRET = "Secret";

    /** A ConfigMap, looked up by name (CA certificates). */
    public static final String CONFIG_MAP = "ConfigMap";

    public InputRef {
        requireNonNull(kind, "kind");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    public static InputRef service(String namespace, String name) {
        return new InputRef(SERVICE, namespace, name);
    }

    public static InputRef endpointSlicesOf(String namespace, String serviceName) {
        return new InputRef(ENDPOINT_SLICES, namespace, serviceName);
    }

    public static InputRef secret(String namespace, String name) {
        return new InputRef(SECRET, namespace, name);
    }

    public static InputRef configMap(String namespace, String name) {
        return new InputRef(CONFIG_MAP, namespace, name);
    }

    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name;
    }
}
