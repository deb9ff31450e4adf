package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.BackendTlsSpec;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The shape of {@code spec.listener.tls} and {@code spec.backendTLS}: counts, kinds, names, modes,
 * the backend hostname. What the references hold is checked when they are followed
 * ({@link dev.grpcbalancer.controller.translate.tls.TlsRefs}). Pure.
 */
final class TlsSpecs {

    static final int MAX_CERTIFICATES = 4;
    static final int MAX_CAS = 8;
    private static final int MAX_NAME = 253;
    private static final List<String> CERTIFICATE_KINDS = List.of(CertificateRef.SECRET, CertificateRef.DIRECTORY);
    private static final List<String> CA_KINDS =
            List.of(CertificateRef.CONFIG_MAP, CertificateRef.SECRET, CertificateRef.DIRECTORY);
    private static final List<String> MODES = List.of(ClientValidationSpec.REQUIRE, ClientValidationSpec.ALLOW_MISSING);

    private TlsSpecs() {
    }

    static void check(GrpcBalancerSpec spec, List<SpecError> errors) {
        ListenerTlsSpec tls = spec.getListener() == null ? null : spec.getListener().getTls();
        if (tls != null) {
            refs("spec.listener.tls.certificateRefs", tls.getCertificateRefs(), 1, MAX_CERTIFICATES, CERTIFICATE_KINDS,
                    errors);
            ClientValidationSpec client = tls.getClientValidation();
            if (client != null) {
                refs("spec.listener.tls.clientValidation.caCertificateRefs", client.getCaCertificateRefs(), 1, MAX_CAS,
                        CA_KINDS, errors);
                if (client.getMode() != null && !MODES.contains(client.getMode())) {
                    errors.add(new SpecError("spec.listener.tls.clientValidation.mode", "must be one of "
                            + String.join(", ", MODES) + ", got \"" + client.getMode() + "\""));
                }
            }
        }
        BackendTlsSpec backend = spec.getBackendTLS();
        if (backend != null) {
            boolean refs = backend.getCaCertificateRefs() != null;
            String wellKnown = backend.getWellKnownCACertificates();
            if (refs == (wellKnown != null)) {
                errors.add(new SpecError("spec.backendTLS", "set exactly one of caCertificateRefs and wellKnownCACertificates"));
            }
            if (refs) {
                refs("spec.backendTLS.caCertificateRefs", backend.getCaCertificateRefs(), 1, MAX_CAS, CA_KINDS, errors);
            }
            if (wellKnown != null && !BackendTlsSpec.SYSTEM.equals(wellKnown)) {
                errors.add(new SpecError("spec.backendTLS.wellKnownCACertificates", "must be " + BackendTlsSpec.SYSTEM
                        + ", got \"" + wellKnown + "\""));
            }
            String hostname = backend.getHostname();
            if (hostname == null || hostname.isEmpty()) {
                errors.add(new SpecError("spec.backendTLS.hostname", "required"));
            } else if (!HostSyntax.isDnsName(hostname, MAX_NAME, true)) {
                errors.add(new SpecError("spec.backendTLS.hostname", "must be a DNS name (letters, digits, '-' and '.'),"
                        + " got \"" + hostname + "\""));
            }
            if (backend.getClientCertificateRef() != null) {
                ref("spec.backendTLS.clientCertificateRef", backend.getClientCertificateRef(), CERTIFICATE_KINDS, errors);
            }
        }
    }

    /** Every reference of {@code spec}, with its field, for the checks only one mode makes. */
    static List<Located> refs(GrpcBalancerSpec spec) {
        List<Located> located = new ArrayList<>();
        ListenerTlsSpec tls = spec.getListener() == null ? null : spec.getListener().getTls();
        if (tls != null) {
            add(located, "spec.listener.tls.certificateRefs", tls.getCertificateRefs());
            if (tls.getClientValidation() != null) {
                add(located, "spec.listener.tls.clientValidation.caCertificateRefs",
                        tls.getClientValidation().getCaCertificateRefs());
            }
        }
        BackendTlsSpec backend = spec.getBackendTLS();
        if (backend != null) {
            add(located, "spec.backendTLS.caCertificateRefs", backend.getCaCertificateRefs());
            if (backend.getClientCertificateRef() != null) {
                located.add(new Located("spec.backendTLS.clientCertificateRef", backend.getClientCertificateRef()));
            }
        }
        return located;
    }

    /** A reference and its field. */
    record Located(String field, CertificateRef ref) {
    }

    private static void add(List<Located> located, String field, List<CertificateRef> refs) {
        if (refs != null) {
            for (int i = 0; i < refs.size(); i++) {
                if (refs.get(i) != null) {
                    located.add(new Located(field + "[" + i + "]", refs.get(i)));
                }
            }
        }
    }

    private static void refs(String field, List<CertificateRef> refs, int min, int max, List<String> kinds,
            List<SpecError> errors) {
        if (refs == null) {
            errors.add(new SpecError(field, "required"));
            return;
        }
        if (refs.size() < min || refs.size() > max) {
            errors.add(new SpecError(field, "must list " + min + ".." + max + " references, got " + refs.size()));
        }
        Set<CertificateRef> seen = new HashSet<>();
        for (int i = 0; i < refs.size(); i++) {
            CertificateRef ref = refs.get(i);
            if (ref == null) {
                errors.add(new SpecError(field + "[" + i + "]", "required"));
            } else if (ref("" + field + "[" + i + "]", ref, kinds, errors) && !seen.add(normalized(ref))) {
                errors.add(new SpecError(field + "[" + i + "]", "listed twice"));
            }
        }
    }

    /** True when the reference is well-formed. */
    private static boolean ref(String field, CertificateRef ref, List<String> kinds, List<SpecError> errors) {
        int before = errors.size();
        if (ref.getGroup() != null && !ref.getGroup().isEmpty()) {
            errors.add(new SpecError(field + ".group", "must be \"\" (the core API group), got \"" + ref.getGroup() + "\""));
        }
        String kind = ref.kindOrDefault();
        if (!kinds.contains(kind)) {
            errors.add(new SpecError(field + ".kind", "must be one of " + String.join(", ", kinds) + ", got \"" + kind + "\""));
        }
        String name = ref.getName();
        if (name == null || name.isEmpty()) {
            errors.add(new SpecError(field + ".name", "required"));
        } else if (CertificateRef.DIRECTORY.equals(kind)) {
            if (!name.startsWith("/")) {
                errors.add(new SpecError(field + ".name", "a Directory is named by its absolute path, got \"" + name + "\""));
            }
        } else if (!HostSyntax.isDnsName(name, MAX_NAME, false)) {
            errors.add(new SpecError(field + ".name", "must be a " + kind + " name: lowercase letters, digits, '-' and '.'"
                    + " (at most " + MAX_NAME + " characters), got \"" + name + "\""));
        }
        return errors.size() == before;
    }

    private static CertificateRef normalized(CertificateRef ref) {
        return new CertificateRef(ref.kindOrDefault(), ref.getName());
    }
}
