package dev.grpcbalancer.controller.crd;

/**
 * The values of {@code spec.service.type} ({@link ManagedServiceSpec}'s constants), as an enum for
 * the CRD generator only: {@code @SchemaFrom} turns it into the schema's {@code enum} while the Java
 * field stays a String. CrdManifestTest keeps the two lists equal.
 */
enum ServiceTypeSchema {
    ClusterIP,
    NodePort,
    LoadBalancer,
    None
}
