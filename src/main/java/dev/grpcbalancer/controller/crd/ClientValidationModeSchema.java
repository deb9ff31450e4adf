package dev.grpcbalancer.controller.crd;

/** The values of {@link ClientValidationSpec#getMode()}, as an enum for the CRD generator only. */
enum ClientValidationModeSchema {
    Require,
    AllowMissing
}
