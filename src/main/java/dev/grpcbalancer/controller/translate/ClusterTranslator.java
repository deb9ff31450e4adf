package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.controller.translate.tls.RefContent;
import dev.grpcbalancer.controller.translate.tls.RefReader;
import dev.grpcbalancer.controller.translate.tls.TlsRefs;
import dev.grpcbalancer.controller.translate.tls.TlsResolution;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Translates every {@link GrpcBalancer} the controller sees, with the Services and EndpointSlices
 * they reference, into one {@link RoutingSnapshot} and an {@link BalancerOutcome} per balancer.
 * Pure: the cluster state and the last valid specs come in as arguments.
 *
 * <p>Rules: a valid balancer runs its spec; an invalid one keeps running its last valid spec (the
 * one passed in {@code lastValid}), so a bad edit never cuts its calls; port clashes go to the
 * oldest balancer ({@link PortClaims}), the others run nothing; backends of a {@code backendRef}
 * come from {@link ServiceBackends} and are empty when the Service cannot be resolved, so the
 * listener stays open and calls get UNAVAILABLE. Certificate references are followed by
 * {@link TlsRefs}: a broken Secret keeps the last valid certificate serving (read from the running
 * snapshot), and a balancer that never had a valid one runs nothing.
 */
public final class ClusterTranslator {

    /** The cluster state a translation reads: a view over informer caches, or plain maps in tests. */
    public interface Cluster {

        /** The Service {@code namespace/name}, or {@code null} when it does not exist. */
        Service service(String namespace, String name);

        /** Every EndpointSlice labelled {@code kubernetes.io/service-name=serviceName} in {@code namespace}. */
        Collection<EndpointSlice> endpointSlices(String namespace, String serviceName);

        /** The Secret {@code namespace/name}, or {@code null} when it does not exist. */
        Secret secret(String namespace, String name);

        /** The ConfigMap {@code namespace/name}, or {@code null} when it does not exist. */
        ConfigMap configMap(String namespace, String name);
    }

    /** The outcome: the snapshot to publish and what happened to each balancer, by id. */
    public record Result(RoutingSnapshot snapshot, Map<BalancerId, BalancerOutcome> outcomes) {

        public Result {
            requireNonNull(snapshot, "snapshot");
            outcomes = Map.copyOf(requireNonNull(outcomes, "outcomes"));
        }
    }

    private ClusterTranslator() {
    }

    /**
     * @param balancers every GrpcBalancer seen (any order; ones without a name are skipped)
     * @param lastValid per balancer, the last resource whose spec was valid (it must have the same
     *     uid to be used: a deleted and recreated balancer starts afresh)
     * @param running the snapshot the data plane runs now: in a port clash between balancers of the
     *     same age, the one listening keeps the port; a broken certificate reference keeps its last
     *     valid material from it
     * @param keys parsed key material by content (the caller keeps it between runs and calls
     *     {@link KeyMaterialCache#retainUsed()} after each)
     * @param now the time certificates must be valid at
     */
    public static Result translate(Collection<GrpcBalancer> balancers, Cluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, KeyMaterialCache keys, Instant now) {
        requireNonNull(balancers, "balancers");
        requireNonNull(cluster, "cluster");
        requireNonNull(lastValid, "lastValid");
        requireNonNull(keys, "keys");
        requireNonNull(now, "now");
        Map<BalancerId, BalancerConfig> listening = requireNonNull(running, "running").byId();
        List<Candidate> candidates = new ArrayList<>();
        for (GrpcBalancer balancer : balancers) {
            if (balancer.getMetadata() == null || balancer.getMetadata().getName() == null) {
                continue;
            }
            candidates.add(candidate(balancer, cluster, lastValid, effective -> {
                BalancerId id = BalancerTranslator.idOf(balancer);
                return TlsRefs.resolve(effective.getSpec(), references(cluster, id.namespace()), keys, now,
                        listening.get(id));
            }));
        }
        candidates.sort(Comparator.comparing(Candidate::id));

        List<PortClaims.Claim> claims = new ArrayList<>();
        for (Candidate candidate : candidates) {
            if (candidate.config != null) {
                int port = candidate.config.listenerPort();
                BalancerConfig serving = listening.get(candidate.id);
                claims.add(new PortClaims.Claim(candidate.id, port, candidate.resource.getMetadata().getCreationTimestamp(),
                        serving != null && serving.listenerPort() == port));
            }
        }
        Map<BalancerId, BalancerId> losers = PortClaims.arbitrate(claims);

        List<BalancerConfig> next = new ArrayList<>();
        Map<BalancerId, BalancerOutcome> outcomes = new LinkedHashMap<>();
        for (Candidate candidate : candidates) {
            BalancerId holder = losers.get(candidate.id);
            BalancerConfig config = holder == null ? candidate.config : null;
            if (config != null) {
                next.add(config);
            }
            outcomes.put(candidate.id, new BalancerOutcome(candidate.id, candidate.resource, candidate.errors, holder,
                    candidate.resolution, config, config == null ? 0 : candidate.servingGeneration, candidate.tls));
        }
        return new Result(new RoutingSnapshot(next), outcomes);
    }

    private record Candidate(BalancerId id, GrpcBalancer resource, List<SpecError> errors,
            BackendResolution resolution, BalancerConfig config, long servingGeneration, TlsResolution tls) {
    }

    private static Candidate candidate(GrpcBalancer balancer, Cluster cluster, Map<BalancerId, GrpcBalancer> lastValid,
            Function<GrpcBalancer, TlsResolution> resolveTls) {
        BalancerId id = BalancerTranslator.idOf(balancer);
        List<SpecError> errors = validate(balancer);
        GrpcBalancer effective = balancer;
        if (!errors.isEmpty()) {
            GrpcBalancer previous = lastValid.get(id);
            if (previous == null || !sameUid(previous, balancer)) {
                return new Candidate(id, balancer, errors, null, null, 0, null);
            }
            effective = previous;
        }
        BackendResolution resolution = null;
        BackendSet backends;
        BackendRef ref = effective.getSpec().getBackendRef();
        if (ref != null) {
            resolution = ServiceBackends.resolve(id.namespace(), ref, cluster.service(id.namespace(), ref.getName()),
                    cluster.endpointSlices(id.namespace(), ref.getName()));
            backends = resolution instanceof BackendResolution.Resolved resolved ? resolved.backends() : BackendSet.EMPTY;
        } else {
            backends = StaticEndpoints.parseAll(effective.getSpec().getStaticEndpoints());
        }
        BalancerConfig config = BalancerTranslator.translate(effective, backends).config();
        TlsResolution tls = resolveTls.apply(effective);
        config = tls.runnable() ? config.withListenerTls(tls.listener()).withBackendTls(tls.backend()) : null;
        Long generation = effective.getMetadata().getGeneration();
        return new Candidate(id, balancer, errors, errors.isEmpty() ? resolution : null, config,
                generation == null ? 0 : generation, tls);
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

    /**
     * The last valid specs after {@code result}: a valid balancer's resource replaces its entry, an
     * invalid one that still serves keeps the previous entry, every other balancer leaves the map.
     */
    public static Map<BalancerId, GrpcBalancer> lastValid(Result result, Map<BalancerId, GrpcBalancer> previous) {
        Map<BalancerId, GrpcBalancer> next = new HashMap<>();
        for (BalancerOutcome outcome : result.outcomes().values()) {
            if (outcome.isValid()) {
                next.put(outcome.id(), outcome.resource());
            } else if (previous.containsKey(outcome.id()) && sameUid(previous.get(outcome.id()), outcome.resource())) {
                next.put(outcome.id(), previous.get(outcome.id()));
            }
        }
        return next;
    }

    private static boolean sameUid(GrpcBalancer a, GrpcBalancer b) {
        String uid = a.getMetadata().getUid();
        return uid != null && uid.equals(b.getMetadata().getUid());
    }
}
