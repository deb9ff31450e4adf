package dev.grpcbalancer.controller.crd;

/** The values of {@link CertificateRef#getKind()}, as an enum for the CRD generator only. */
enum CertificateRefKindSchema {
    Secret,
    ConfigMap,
    Directory
}
