package dev.grpcbalancer.controller.crd;

/** The values of {@link BackendTlsSpec#getWellKnownCACertificates()}, for the CRD generator only. */
enum WellKnownCaSchema {
    System
}
