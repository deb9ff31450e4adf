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

    /** A GatewayClass, looked up by name (namespace empty: the kind is cluster-scoped). */
    public static final String GATEWAY_CLASS = "GatewayClass";

    /**
     * The GRPCRoutes whose parentRefs name a Gateway: the ref's namespace and name are the
     * Gateway's, so a route that is added, changed or removed maps to one ref per Gateway it names
     * (before and after the change).
     */
    public static final String GRPC_ROUTES = "GRPCRoutes";

    /** The ReferenceGrants of a namespace (name empty): every grant there maps to the one ref. */
    public static final String REFERENCE_GRANTS = "ReferenceGrants";

    /** A Namespace's labels, for a Gateway listener's namespace selector (namespace empty). */
    public static final String NAMESPACE = "Namespace";

    /** A Secret, looked up by name (certificates and keys). */
    public static final String SECRET = "Secret";

    /** A ConfigMap, looked up by name (CA certificates). */
    public static final String CONFIG_MAP = "ConfigMap";

    /**
     * A GrpcBalancer itself, by namespace and name. No translation reads another balancer; a source
     * that reports each balancer added, changed or deleted with this ref lets a run look up only
     * those ({@link BalancerSource#changesReported()}).
     */
    public static final String GRPC_BALANCER = "GrpcBalancer";

    public InputRef {
        requireNonNull(kind, "kind");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    public static InputRef grpcBalancer(String namespace, String name) {
        return new InputRef(GRPC_BALANCER, namespace, name);
    }

    public static InputRef service(String namespace, String name) {
        return new InputRef(SERVICE, namespace, name);
    }

    public static InputRef endpointSlicesOf(String namespace, String serviceName) {
        return new InputRef(ENDPOINT_SLICES, namespace, serviceName);
    }

    public static InputRef gatewayClass(String name) {
        return new InputRef(GATEWAY_CLASS, "", name);
    }

    public static InputRef grpcRoutesOf(String gatewayNamespace, String gatewayName) {
        return new InputRef(GRPC_ROUTES, gatewayNamespace, gatewayName);
    }

    public static InputRef referenceGrants(String namespace) {
        return new InputRef(REFERENCE_GRANTS, namespace, "");
    }

    public static InputRef namespace(String name) {
        return new InputRef(NAMESPACE, "", name);
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
