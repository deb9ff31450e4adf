package dev.grpcbalancer.controller.translate.gateway;

import dev.grpcbalancer.controller.translate.tls.KeyMaterial;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.controller.translate.tls.RefContent;
import dev.grpcbalancer.snapshot.TlsCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The certificates of an HTTPS listener: each of its {@code tls.certificateRefs} followed to a
 * Secret ({@code kubernetes.io/tls}: {@code tls.crt}, {@code tls.key}) and checked as the
 * {@code GrpcBalancer} listener's are (PEM that parses, a key that matches, a certificate valid
 * now). A Secret in another namespace needs a ReferenceGrant there that lets Gateways of the
 * listener's namespace use it. Pure, apart from reading the cluster through the
 * {@link GatewayCluster} given (which records the reads).
 *
 * <p>A reference that breaks never takes away what works: a certificate of the same Secret that
 * the port serves now ({@code running}) keeps serving, as for {@code GrpcBalancer}s.
 */
final class ListenerCertificates {

    private static final String TLS_CRT = "tls.crt";
    private static final String TLS_KEY = "tls.key";

    /**
     * @param certificates the valid certificates, in reference order
     * @param problem why some references do not resolve ({@code InvalidCertificateRef} or
     *     {@code RefNotPermitted}, the first problem's reason), or {@code null}
     * @param recheckAt the first moment after now at which a certificate read becomes valid or expires
     */
    record Resolved(List<TlsCertificate> certificates, Problem problem, Instant recheckAt) {

        Resolved {
            certificates = List.copyOf(certificates);
        }
    }

    private ListenerCertificates() {
    }

    /**
     * @param running the certificates the listener's port serves now (empty when none)
     */
    static Resolved resolve(Listener listener, String gatewayNamespace, GatewayCluster cluster, KeyMaterialCache keys,
            Instant now, List<TlsCertificate> running) {
        List<SecretObjectReference> refs = listener.getTls() == null || listener.getTls().getCertificateRefs() == null
                ? List.of() : listener.getTls().getCertificateRefs();
        List<TlsCertificate> certificates = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Instant recheckAt = Instant.MAX;
        if (refs.isEmpty()) {
            problems.add(new Problem(GatewayApi.INVALID_CERTIFICATE_REF, "an HTTPS listener needs tls.certificateRefs"));
        }
        for (int i = 0; i < refs.size(); i++) {
            SecretObjectReference ref = refs.get(i);
            String where = "tls.certificateRefs[" + i + "]: ";
            String group = GatewayApi.groupOr(ref.getGroup(), GatewayApi.CORE_GROUP);
            String kind = GatewayApi.kindOr(ref.getKind(), GatewayApi.SECRET);
            String namespace = ref.getNamespace() == null ? gatewayNamespace : ref.getNamespace();
            String description = "Secret " + namespace + "/" + ref.getName();
            if (!GatewayApi.CORE_GROUP.equals(group) || !GatewayApi.SECRET.equals(kind)) {
                problems.add(new Problem(GatewayApi.INVALID_CERTIFICATE_REF, where + (group.isEmpty() ? kind
                        : kind + "." + group) + " is not supported: name a Secret"));
                continue;
            }
            if (!namespace.equals(gatewayNamespace) && !ReferenceGrants.permit(cluster.referenceGrants(namespace),
                    GatewayApi.GATEWAY, gatewayNamespace, GatewayApi.SECRET, ref.getName())) {
                problems.add(new Problem(GatewayApi.REF_NOT_PERMITTED, where + description + " is in another namespace"
                        + " and no ReferenceGrant there allows Gateways of " + gatewayNamespace + " to use it"));
                continue;
            }
            Secret secret = cluster.secret(namespace, ref.getName());
            RefContent content = secret == null ? RefContent.missing(description, "not found")
                    : RefContent.ofSecret(description, secret);
            try {
                if (content.problem() != null) {
                    throw new IllegalArgumentException(content.problem());
                }
                KeyMaterial.KeyPair pair = keys.keyPair(TLS_CRT, entry(content, TLS_CRT), TLS_KEY, entry(content, TLS_KEY));
                Instant change = now.isBefore(pair.notBefore()) ? pair.notBefore() : pair.notAfter().plusSeconds(1);
                recheckAt = change.isBefore(recheckAt) ? change : recheckAt;
                KeyMaterial.checkValidity(TLS_CRT, pair.notBefore(), pair.notAfter(), now);
                certificates.add(new TlsCertificate(description, pair.chainPem(), pair.keyPem(), pair.serverNames(),
                        pair.notAfter()));
            } catch (IllegalArgumentException e) {
                Optional<TlsCertificate> kept = running.stream().filter(c -> c.source().equals(description)).findFirst();
                kept.ifPresent(certificates::add);
                problems.add(new Problem(GatewayApi.INVALID_CERTIFICATE_REF, where + description + ": " + e.getMessage()
                        + (kept.isPresent() ? " (the last valid certificate keeps serving)" : "")));
            }
        }
        Problem problem = problems.isEmpty() ? null : new Problem(problems.get(0).reason(),
                String.join("; ", problems.stream().map(Problem::message).toList()));
        return new Resolved(certificates, problem, recheckAt);
    }

    private static String entry(RefContent content, String key) {
        String value = content.entries().get(key);
        if (value == null) {
            throw new IllegalArgumentException("has no " + key);
        }
        return value;
    }
}
