package dev.grpcbalancer.controller.translate.tls;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BackendTlsSpec;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.snapshot.BackendTls;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.CaBundle;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.TlsCertificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Follows the certificate references of a valid spec ({@code spec.listener.tls},
 * {@code spec.backendTLS}) and checks what they hold: PEM that parses, a key that matches its
 * certificate, a certificate valid now, a CA bundle with at least one certificate that has not
 * expired. Pure: the objects come from a {@link RefReader}, the time is an argument.
 *
 * <p>A broken reference never takes away what works: with {@code running} (the balancer's config
 * in the snapshot the data plane runs) its last valid material keeps serving, and a listener
 * whose references are all broken keeps its previous TLS as a whole. Only a balancer that never
 * had valid material is not runnable.
 */
public final class TlsRefs {

    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";
    static final String CA_CRT = "ca.crt";

    private TlsRefs() {
    }

    /**
     * @param running the balancer's config in the running snapshot, or {@code null} (none yet, or
     *     standalone mode, which rejects a broken file as a whole)
     */
    public static TlsResolution resolve(GrpcBalancerSpec spec, RefReader reader, KeyMaterialCache keys, Instant now,
            BalancerConfig running) {
        requireNonNull(spec, "spec");
        Resolver resolver = new Resolver(reader, keys, now);
        ListenerTls previousListener = running == null ? ListenerTls.PLAINTEXT : running.listenerTls();
        BackendTls previousBackend = running == null ? BackendTls.PLAINTEXT : running.backendTls();
        ListenerTls listener = resolver.listener(spec.getListener().getTls(), previousListener);
        BackendTls backend = resolver.backend(spec.getBackendTLS(), previousBackend);
        boolean runnable = listener != null && backend != null;
        return new TlsResolution(listener == null ? ListenerTls.PLAINTEXT : listener,
                backend == null ? BackendTls.PLAINTEXT : backend, resolver.problems, resolver.keptPrevious, runnable,
                resolver.recheckAt);
    }

    /** One resolution's state: the problems found and whether old material was kept. */
    private static final class Resolver {
        private final RefReader reader;
        private final KeyMaterialCache keys;
        private final Instant now;
        private final List<SpecError> problems = new ArrayList<>();
        private boolean keptPrevious;
        /** The first moment after {@code now} at which a certificate read here expires or becomes valid. */
        private Instant recheckAt = Instant.MAX;

        Resolver(RefReader reader, KeyMaterialCache keys, Instant now) {
            this.reader = requireNonNull(reader, "reader");
            this.keys = requireNonNull(keys, "keys");
            this.now = requireNonNull(now, "now");
        }

        /** Null when the listener has nothing valid to serve. */
        ListenerTls listener(ListenerTlsSpec spec, ListenerTls previous) {
            if (spec == null) {
                return ListenerTls.PLAINTEXT;
            }
            List<TlsCertificate> certificates = new ArrayList<>();
            List<CertificateRef> refs = spec.getCertificateRefs();
            for (int i = 0; i < refs.size(); i++) {
                certificate("spec.listener.tls.certificateRefs[" + i + "]", refs.get(i), previous.certificates())
                        .ifPresent(certificates::add);
            }
            ListenerTls.ClientValidation validation = ListenerTls.ClientValidation.NONE;
            ClientValidationSpec client = spec.getClientValidation();
            boolean validationBroken = false;
            if (client != null) {
                List<CaBundle> trusted = cas("spec.listener.tls.clientValidation.caCertificateRefs",
                        client.getCaCertificateRefs(), previous.clientValidation().trusted());
                validationBroken = trusted.isEmpty();
                validation = validationBroken ? ListenerTls.ClientValidation.NONE : new ListenerTls.ClientValidation(
                        trusted, !ClientValidationSpec.ALLOW_MISSING.equals(client.getMode()));
            }
            if (certificates.isEmpty() || validationBroken) {
                // Never serve without the client validation the spec asks for, nor with no certificate.
                return keepWhole(previous.enabled() ? previous : null, previous.enabled());
            }
            return ListenerTls.of(certificates, validation);
        }

        /** Null when the backends cannot be reached as the spec asks. */
        BackendTls backend(BackendTlsSpec spec, BackendTls previous) {
            if (spec == null) {
                return BackendTls.PLAINTEXT;
            }
            boolean systemRoots = BackendTlsSpec.SYSTEM.equals(spec.getWellKnownCACertificates());
            List<CaBundle> trusted = systemRoots ? List.of()
                    : cas("spec.backendTLS.caCertificateRefs", spec.getCaCertificateRefs(), previous.trusted());
            TlsCertificate clientCertificate = null;
            boolean clientBroken = false;
            if (spec.getClientCertificateRef() != null) {
                clientCertificate = certificate("spec.backendTLS.clientCertificateRef", spec.getClientCertificateRef(),
                        previous.clientCertificate() == null ? List.of() : List.of(previous.clientCertificate()))
                        .orElse(null);
                clientBroken = clientCertificate == null;
            }
            if ((!systemRoots && trusted.isEmpty()) || clientBroken) {
                return keepWhole(previous.enabled() ? previous : null, previous.enabled());
            }
            return new BackendTls(trusted, systemRoots, spec.getHostname().toLowerCase(Locale.ROOT), clientCertificate);
        }

        private void recheckAt(Instant moment) {
            if (moment.isAfter(now) && moment.isBefore(recheckAt)) {
                recheckAt = moment;
            }
        }

        private <T> T keepWhole(T previous, boolean kept) {
            keptPrevious |= kept;
            return previous;
        }

        private Optional<TlsCertificate> certificate(String field, CertificateRef ref, List<TlsCertificate> previous) {
            RefContent content = reader.read(ref);
            try {
                if (content.problem() != null) {
                    throw new IllegalArgumentException(content.problem());
                }
                KeyMaterial.KeyPair pair = keys.keyPair(TLS_CRT, content.entry(TLS_CRT), TLS_KEY, content.entry(TLS_KEY));
                recheckAt(now.isBefore(pair.notBefore()) ? pair.notBefore() : pair.notAfter().plusSeconds(1));
                KeyMaterial.checkValidity(TLS_CRT, pair.notBefore(), pair.notAfter(), now);
                return Optional.of(new TlsCertificate(content.description(), pair.chainPem(), pair.keyPem(),
                        pair.serverNames(), pair.notAfter()));
            } catch (IllegalArgumentException e) {
                problems.add(new SpecError(field, content.description() + ": " + e.getMessage()));
                Optional<TlsCertificate> kept = previous.stream()
                        .filter(c -> c.source().equals(content.description())).findFirst();
                keptPrevious |= kept.isPresent();
                return kept;
            }
        }

        private List<CaBundle> cas(String field, List<CertificateRef> refs, List<CaBundle> previous) {
            List<CaBundle> bundles = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                RefContent content = reader.read(refs.get(i));
                try {
                    if (content.problem() != null) {
                        throw new IllegalArgumentException(content.problem());
                    }
                    KeyMaterial.CaBundle bundle = keys.caBundle(CA_CRT, content.entry(CA_CRT));
                    recheckAt(bundle.latestNotAfter().plusSeconds(1));
                    if (now.isAfter(bundle.latestNotAfter())) {
                        throw new IllegalArgumentException("every certificate in " + CA_CRT + " has expired (the last at "
                                + bundle.latestNotAfter() + ")");
                    }
                    bundles.add(new CaBundle(content.description(), bundle.pem(), bundle.notAfter()));
                } catch (IllegalArgumentException e) {
                    problems.add(new SpecError(field + "[" + i + "]", content.description() + ": " + e.getMessage()));
                    Optional<CaBundle> kept = previous.stream()
                            .filter(c -> c.source().equals(content.description())).findFirst();
                    keptPrevious |= kept.isPresent();
                    kept.ifPresent(bundles::add);
                }
            }
            return bundles;
        }
    }
}
