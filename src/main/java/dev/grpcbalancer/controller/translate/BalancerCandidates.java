package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.ClusterTranslator.Cluster;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.controller.translate.tls.RefContent;
import dev.grpcbalancer.controller.translate.tls.RefReader;
import dev.grpcbalancer.controller.translate.tls.TlsRefs;
import dev.grpcbalancer.controller.translate.tls.TlsResolution;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One balancer translated on its own, for {@link ClusterTranslator}: validation (an invalid edit
 * runs the last valid spec of the same object), backends read through a {@link RecordingCluster}
 * so that the candidate knows its inputs, and certificate references resolved ({@link TlsRefs}).
 */
final class BalancerCandidates {

    private BalancerCandidates() {
    }

    /**
     * One balancer translated on its own; {@code inputs} is everything it read from the cluster, and
     * {@code recheckAt} when its certificates' validity changes.
     */
    record Candidate(BalancerId id, GrpcBalancer resource, List<SpecError> errors,
            BackendResolution resolution, BalancerConfig config, long servingGeneration, List<RuleResolution> rules,
            TlsResolution tls, Set<InputRef> inputs, Instant recheckAt) {
    }

    /**
     * @param running the balancer's config in the running snapshot, or null: the material of
     *     certificate references that are broken now
     */
    static Candidate candidate(GrpcBalancer balancer, Cluster cluster, Map<BalancerId, GrpcBalancer> lastValid,
            KeyMaterialCache keys, Instant now, BalancerConfig running) {
        BalancerId id = BalancerTranslator.idOf(balancer);
        List<SpecError> errors = validate(balancer);
        GrpcBalancer effective = balancer;
        if (!errors.isEmpty()) {
            GrpcBalancer previous = lastValid.get(id);
            if (previous == null || !ClusterTranslator.sameUid(previous, balancer)) {
                return new Candidate(id, balancer, errors, null, null, 0, List.of(), null, Set.of(), Instant.MAX);
            }
            effective = previous;
        }
        String namespace = id.namespace();
        RecordingCluster recording = new RecordingCluster(cluster);
        BackendResolution resolution = null;
        List<RuleResolution> rules = List.of();
        BalancerConfig config;
        BackendRef ref = effective.getSpec().getBackendRef();
        if (effective.getSpec().getRules() != null) {
            RuleSpecs.Resolved resolved = RuleSpecs.routes(effective.getSpec(), namespace, rule -> ServiceBackends.resolve(
                    namespace, rule, recording.service(namespace, rule.getName()), recording.endpointSlices(namespace,
                            rule.getName())));
            config = BalancerTranslator.translate(effective, BackendSet.EMPTY).config().withRoutes(resolved.routes());
            rules = resolved.rules();
        } else if (ref != null) {
            resolution = ServiceBackends.resolve(namespace, ref, recording.service(namespace, ref.getName()),
                    recording.endpointSlices(namespace, ref.getName()));
            BackendSet backends = resolution instanceof BackendResolution.Resolved resolved
                    ? resolved.backends() : BackendSet.EMPTY;
            config = BalancerTranslator.translate(effective, backends).config();
        } else {
            config = BalancerTranslator.translate(effective, StaticEndpoints.parseAll(effective.getSpec().getStaticEndpoints()))
                    .config();
        }
        TlsResolution tls = TlsRefs.resolve(effective.getSpec(), references(recording, namespace), keys, now, running);
        config = tls.runnable() ? config.withListenerTls(tls.listener()).withBackendTls(tls.backend()) : null;
        Long generation = effective.getMetadata().getGeneration();
        boolean valid = errors.isEmpty();
        return new Candidate(id, balancer, errors, valid ? resolution : null, config,
                generation == null ? 0 : generation, valid ? rules : List.of(), tls, recording.read(), tls.recheckAt());
    }

    /** {@link SpecValidation} and the rule of the cluster: key material comes from Secrets and ConfigMaps. */
    private static List<SpecError> validate(GrpcBalancer balancer) {
        List<SpecError> errors = new ArrayList<>(SpecValidation.validate(balancer));
        if (balancer.getSpec() != null) {
            for (TlsSpecs.Located located : TlsSpecs.refs(balancer.getSpec())) {
                if (CertificateRef.DIRECTORY.equals(located.ref().getKind())) {
                    errors.add(new SpecError(located.field() + ".kind", "Directory references are for standalone mode;"
                            + " in a cluster name a Secret or a ConfigMap"));
                }
            }
        }
        return List.copyOf(errors);
    }

    /** Certificate references of balancers in {@code namespace}, read from the cluster state. */
    private static RefReader references(Cluster cluster, String namespace) {
        return ref -> {
            String description = ref.kindOrDefault() + " " + namespace + "/" + ref.getName();
            if (CertificateRef.CONFIG_MAP.equals(ref.getKind())) {
                ConfigMap configMap = cluster.configMap(namespace, ref.getName());
                return configMap == null ? RefContent.missing(description, "not found")
                        : RefContent.ofConfigMap(description, configMap);
            }
            Secret secret = cluster.secret(namespace, ref.getName());
            return secret == null ? RefContent.missing(description, "not found") : RefContent.ofSecret(description, secret);
        };
    }
}
