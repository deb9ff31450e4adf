package dev.grpcbalancer.controller.translate.tls;

import dev.grpcbalancer.controller.crd.CertificateRef;

/**
 * Reads what a certificate reference names, in the balancer's namespace: the informer caches in
 * the cluster, the documents of the same file (and directories on disk) in standalone mode.
 */
@FunctionalInterface
public interface RefReader {

    /** The object {@code ref} names (its kind and name were validated before). */
    RefContent read(CertificateRef ref);
}
