package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.BalancerCandidates.Candidate;
import dev.grpcbalancer.controller.translate.gateway.GatewayCandidate;
import dev.grpcbalancer.controller.translate.gateway.GatewayCluster;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.controller.translate.tls.TlsRefs;
import dev.grpcbalancer.controller.translate.tls.TlsResolution;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates every {@link GrpcBalancer} the controller sees, with the Services and EndpointSlices
 * they reference, into one {@link RoutingSnapshot} and an {@link BalancerOutcome} per balancer.
 * Pure: the cluster state and the last valid specs come in as arguments.
 *
 * <p>Rules: a valid balancer runs its spec; an invalid one keeps running its last valid spec (the
 * one passed in {@code lastValid}), so a bad edit never cuts its calls; port clashes go to the
 * oldest balancer ({@link PortClaims}), the others run nothing; backends of a {@code backendRef}
 * come from {@link ServiceBackends} and are empty when the Service cannot be resolved, so the
 * listener stays open and calls get UNAVAILABLE. Each backendRef of {@code spec.rules} resolves the
 * same way, on its own. Certificate references are followed by {@link TlsRefs}: a broken Secret
 * keeps the last valid certificate serving (read from the running snapshot), and a balancer that
 * never had a valid one runs nothing.
 *
 * <p>Incremental: each balancer's translation reads the cluster through a {@link RecordingCluster},
 * and the result's {@link Memo} keeps, per balancer, what it read ({@link InputRef}s) and what came
 * out. Given the previous memo and the refs that changed since, a balancer whose resource is the
 * same object version and whose inputs did not change is not translated again: its
 * {@link BalancerConfig} and {@link BalancerOutcome} are the same instances as before, so the data
 * plane and the status code see nothing new. A balancer whose certificates expire or become valid
 * is translated again from that moment ({@link TlsResolution#recheckAt()}). Where the source reports
 * which balancers changed ({@link BalancerSource#changesReported()}), a run does not even look at the
 * others: the memo keeps the reverse of every balancer's inputs ({@link InputReaders}), and only the
 * balancers named by the changed refs are looked up ({@link CandidateSelection}). Port claims are
 * decided again over all balancers when a claim changed (they couple balancers to each other). The
 * result is the same as a full translation of the same state.
 *
 * <p>Gateways of this controller's classes are translated the same way, one candidate each
 * ({@link GatewayTranslator}), reused while the Gateway and what it read are unchanged. Each port
 * of a Gateway's listeners claims its port beside the balancers, under the same older-wins rule.
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

    /**
     * The outcome: the snapshot to publish, what happened to each balancer, by id, and to each
     * Gateway of this controller, and the memo to pass to the next run. {@code changed} names the
     * balancers whose outcome is not the previous memo's instance (new ones included) and
     * {@code removed} those the previous memo had and this run has not: what a consumer that keeps
     * state per balancer must look at, so that its work follows the change and not the count of
     * balancers.
     */
    public record Result(RoutingSnapshot snapshot, Map<BalancerId, BalancerOutcome> outcomes,
            Map<ObjectKey, GatewayOutcome> gateways, Memo memo, Set<BalancerId> changed, Set<BalancerId> removed) {

        public Result {
            requireNonNull(snapshot, "snapshot");
            requireNonNull(outcomes, "outcomes"); // immutable: a view of the memo's entries
            gateways = Map.copyOf(requireNonNull(gateways, "gateways"));
            requireNonNull(memo, "memo");
            changed = Collections.unmodifiableSet(requireNonNull(changed, "changed"));
            removed = Collections.unmodifiableSet(requireNonNull(removed, "removed"));
        }
    }

    /** Per balancer and Gateway, what its last translation read and produced; immutable. */
    public static final class Memo {

        public static final Memo EMPTY = new Memo(Map.of(), List.of(), InputReaders.EMPTY, Map.of(), Map.of(), null, false,
                0);

        private final Map<BalancerId, Entry> entries;
        /** The candidates in id order (each entry's index is its place here), and who read which input. */
        private final List<Candidate> order;
        private final InputReaders readers;
        private final Map<ObjectKey, GatewayEntry> gateways;

        /** The outcome of each balancer, a view of {@code entries} (no copy per run). */
        private final Map<BalancerId, BalancerOutcome> outcomes;

        /** The port decisions of that run (loser -> holder) and the snapshot it produced. */
        private final Map<BalancerId, BalancerId> losers;
        private final RoutingSnapshot produced;
        private final boolean arbitrated;
        private final int visited;

        private Memo(Map<BalancerId, Entry> entries, List<Candidate> order, InputReaders readers,
                Map<ObjectKey, GatewayEntry> gateways, Map<BalancerId, BalancerId> losers, RoutingSnapshot produced,
                boolean arbitrated, int visited) {
            this.entries = entries;
            this.order = order;
            this.readers = readers;
            this.visited = visited;
            this.gateways = gateways;
            this.losers = losers;
            this.produced = produced;
            this.arbitrated = arbitrated;
            this.outcomes = new OutcomeView(entries);
        }

        /** The balancers that run looked at (checked their memo entry or translated them); for tests. */
        int visited() {
            return visited;
        }

        /** Whether that run decided the port claims anew (false: it kept the decisions before); for tests. */
        boolean arbitrated() {
            return arbitrated;
        }

        /** What the last translation of {@code id} read from the cluster (empty when unknown). */
        public Set<InputRef> inputs(BalancerId id) {
            Entry entry = entries.get(id);
            return entry == null ? Set.of() : entry.candidate.inputs();
        }

        /** What the last translation of Gateway {@code id} read from the cluster (empty when unknown). */
        public Set<InputRef> inputs(ObjectKey gateway) {
            GatewayEntry entry = gateways.get(gateway);
            return entry == null ? Set.of() : entry.outcome.candidate().inputs();
        }
    }

    /** {@code index}: the balancer's place in the sorted order of that result. */
    record Entry(Candidate candidate, BalancerOutcome outcome, int index) {
    }

    private record GatewayEntry(GatewayOutcome outcome) {
    }

    private ClusterTranslator() {
    }

    /**
     * Translates every balancer (no memo), with certificates checked against the current time
     * (for tests and tools; the controller passes its clock's time).
     *
     * @param balancers every GrpcBalancer seen (any order; ones without a name are skipped)
     * @param lastValid per balancer, the last resource whose spec was valid (it must have the same
     *     uid to be used: a deleted and recreated balancer starts afresh)
     * @param running the snapshot the data plane runs now: in a port clash between balancers of the
     *     same age, the one listening keeps the port; a broken certificate reference keeps its last
     *     valid material from it
     */
    public static Result translate(Collection<GrpcBalancer> balancers, Cluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running) {
        return translate(balancers, cluster, lastValid, running, Memo.EMPTY, Set.of());
    }

    /** {@link #translate(Collection, Cluster, Map, RoutingSnapshot, Memo, Set, KeyMaterialCache, Instant)} now. */
    public static Result translate(Collection<GrpcBalancer> balancers, Cluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, Memo previous, Set<InputRef> changed) {
        return translate(balancers, cluster, lastValid, running, previous, changed, new KeyMaterialCache(), Instant.now());
    }

    /** {@link #translate(Collection, Collection, GatewayCluster, Map, RoutingSnapshot, Memo, Set, KeyMaterialCache, Instant)} without Gateways. */
    public static Result translate(Collection<GrpcBalancer> balancers, Cluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, Memo previous, Set<InputRef> changed,
            KeyMaterialCache keys, Instant now) {
        return translate(balancers, List.of(), GatewayCluster.servicesOnly(cluster), lastValid, running, previous, changed,
                keys, now);
    }

    /** {@link #translate(Collection, Collection, GatewayCluster, Map, RoutingSnapshot, Memo, Set, KeyMaterialCache, Instant)} now. */
    public static Result translate(Collection<GrpcBalancer> balancers, Collection<Gateway> gateways, GatewayCluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, Memo previous, Set<InputRef> changed) {
        return translate(balancers, gateways, cluster, lastValid, running, previous, changed, new KeyMaterialCache(),
                Instant.now());
    }

    /**
     * Translates the balancers and Gateways that are new, whose resource changed (another object or
     * {@code resourceVersion}), that read an input in {@code changed}, or whose certificates
     * expired or became valid since; reuses {@code previous} for the others.
     *
     * @param gateways every Gateway seen (those of other controllers' classes are left out)
     * @param previous the memo of the last result
     * @param changed the inputs that changed since that result (a ref nobody read is ignored)
     * @param keys parsed key material by content (the caller keeps it between runs and calls
     *     {@link KeyMaterialCache#retainUsed()} after each)
     * @param now the time certificates must be valid at
     */
    public static Result translate(Collection<GrpcBalancer> balancers, Collection<Gateway> gateways, GatewayCluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, Memo previous, Set<InputRef> changed,
            KeyMaterialCache keys, Instant now) {
        return translate(BalancerSource.listed(balancers), gateways, cluster, lastValid, running, previous, changed, keys, now);
    }

    /**
     * {@link #translate(Collection, Collection, GatewayCluster, Map, RoutingSnapshot, Memo, Set, KeyMaterialCache, Instant)}
     * over balancers whose changes may be reported: then only the balancers named by a changed
     * {@link InputRef#GRPC_BALANCER} ref or reading a changed input are looked at ({@link CandidateSelection}).
     */
    public static Result translate(BalancerSource balancers, Collection<Gateway> gateways, GatewayCluster cluster,
            Map<BalancerId, GrpcBalancer> lastValid, RoutingSnapshot running, Memo previous, Set<InputRef> changed,
            KeyMaterialCache keys, Instant now) {
        requireNonNull(balancers, "balancers");
        requireNonNull(gateways, "gateways");
        requireNonNull(cluster, "cluster");
        requireNonNull(lastValid, "lastValid");
        requireNonNull(previous, "previous");
        requireNonNull(changed, "changed");
        requireNonNull(keys, "keys");
        requireNonNull(now, "now");
        Map<BalancerId, BalancerConfig> listening = requireNonNull(running, "running").byId();
        // The port decisions stand while every claim does: the same balancers, each on the same port
        // (or none) with the same age, over the snapshot those decisions produced (whose holders
        // then hold their ports, so a tie goes the same way again).
        CandidateSelection.Chosen chosen = new CandidateSelection(cluster, lastValid, changed, keys, now, listening)
                .choose(balancers, previous.entries, previous.order, previous.readers,
                        previous.produced != null && running == previous.produced);
        List<Candidate> candidates = chosen.candidates();

        List<GatewayCandidate> gatewayCandidates = gatewayCandidates(gateways, cluster, previous, changed, keys, now,
                listening);
        boolean claimsKept = chosen.claimsKept() && sameGateways(previous, gatewayCandidates);
        Map<BalancerId, BalancerId> losers = claimsKept ? previous.losers
                : PortClaims.arbitrate(PortClaims.of(candidates, gatewayCandidates, listening));

        List<BalancerConfig> next = new ArrayList<>(candidates.size());
        Map<BalancerId, Entry> memo = new HashMap<>(candidates.size() * 2);
        Set<BalancerId> changedOutcomes = new HashSet<>();
        int kept = 0;
        for (int index = 0; index < candidates.size(); index++) {
            Candidate candidate = candidates.get(index);
            BalancerId holder = losers.get(candidate.id());
            BalancerConfig config = holder == null ? candidate.config() : null;
            if (config != null) {
                next.add(config);
            }
            Entry before = previous.entries.get(candidate.id());
            BalancerOutcome outcome = before != null && before.candidate == candidate
                    && Objects.equals(before.outcome.portHolder(), holder)
                    ? before.outcome
                    : new BalancerOutcome(candidate.id(), candidate.resource(), candidate.errors(), holder,
                            candidate.resolution(), config, config == null ? 0 : candidate.servingGeneration(),
                            candidate.rules(), candidate.tls());
            if (before != null) {
                kept++;
            }
            if (before == null || before.outcome != outcome) {
                changedOutcomes.add(candidate.id());
            }
            memo.put(candidate.id(), before != null && before.outcome == outcome && before.index == index ? before
                    : new Entry(candidate, outcome, index));
        }
        Set<BalancerId> removed = new HashSet<>();
        if (kept < previous.entries.size()) { // only then look for the ones that went
            for (BalancerId id : previous.entries.keySet()) {
                if (!memo.containsKey(id)) {
                    removed.add(id);
                }
            }
        }
        Map<ObjectKey, GatewayOutcome> gatewayOutcomes = new TreeMap<>();
        Map<ObjectKey, GatewayEntry> gatewayMemo = new HashMap<>();
        for (GatewayCandidate gateway : gatewayCandidates) {
            Map<Integer, BalancerId> holders = new TreeMap<>();
            gateway.ports().forEach((port, config) -> {
                BalancerId holder = losers.get(config.id());
                if (holder != null) {
                    holders.put(port, holder);
                }
            });
            GatewayEntry before = previous.gateways.get(gateway.id());
            GatewayOutcome outcome = before != null && before.outcome.candidate() == gateway
                    && before.outcome.portHolders().equals(holders) ? before.outcome : new GatewayOutcome(gateway, holders);
            next.addAll(outcome.configs());
            gatewayOutcomes.put(gateway.id(), outcome);
            gatewayMemo.put(gateway.id(), new GatewayEntry(outcome));
        }
        // Built on the running snapshot: the data plane then looks at the balancers that differ only.
        RoutingSnapshot snapshot = sameAs(running, next) ? running : new RoutingSnapshot(running, next);
        Memo nextMemo = new Memo(Collections.unmodifiableMap(memo), Collections.unmodifiableList(candidates),
                chosen.readsKept() ? previous.readers : InputReaders.of(candidates), Map.copyOf(gatewayMemo), losers, snapshot, !claimsKept,
                chosen.visited());
        return new Result(snapshot, nextMemo.outcomes, gatewayOutcomes, nextMemo, changedOutcomes, removed);
    }

    /** Whether the Gateways are the previous run's candidates (so their claims are the same). */
    private static boolean sameGateways(Memo previous, List<GatewayCandidate> gateways) {
        if (gateways.size() != previous.gateways.size()) {
            return false;
        }
        for (GatewayCandidate gateway : gateways) {
            GatewayEntry before = previous.gateways.get(gateway.id());
            if (before == null || before.outcome.candidate() != gateway) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code configs} are the running snapshot's own instances, in its order (nothing changed). */
    private static boolean sameAs(RoutingSnapshot running, List<BalancerConfig> configs) {
        List<BalancerConfig> runningConfigs = running.balancers();
        if (runningConfigs.size() != configs.size()) {
            return false;
        }
        for (int i = 0; i < configs.size(); i++) {
            if (runningConfigs.get(i) != configs.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** The Gateways of this controller, translated again or reused, sorted by namespace/name. */
    private static List<GatewayCandidate> gatewayCandidates(Collection<Gateway> gateways, GatewayCluster cluster,
            Memo previous, Set<InputRef> changed, KeyMaterialCache keys, Instant now,
            Map<BalancerId, BalancerConfig> listening) {
        List<GatewayCandidate> candidates = new ArrayList<>();
        for (Gateway gateway : gateways) {
            if (gateway.getMetadata() == null || gateway.getMetadata().getName() == null) {
                continue;
            }
            GatewayEntry before = previous.gateways.get(ObjectKey.of(gateway));
            // The translation reads a Gateway's spec and identity, never its status: the same
            // generation of the same object is the same input (status writes do not count).
            Optional<GatewayCandidate> candidate = before != null
                    && sameGeneration(before.outcome.candidate().resource(), gateway)
                    && Collections.disjoint(before.outcome.candidate().inputs(), changed)
                    && now.isBefore(before.outcome.candidate().recheckAt())
                    ? Optional.of(before.outcome.candidate())
                    : GatewayTranslator.candidate(gateway, cluster, keys, now, listening);
            candidate.ifPresent(candidates::add);
        }
        candidates.sort(Comparator.comparing(GatewayCandidate::id));
        return candidates;
    }

    /**
     * The same version of the same object: the same instance (an informer's store hands out the
     * same object until it changes), or the same uid and {@code resourceVersion}.
     */
    static boolean sameVersion(HasMetadata a, HasMetadata b) {
        if (a == b) {
            return true;
        }
        String version = a.getMetadata().getResourceVersion();
        return version != null && version.equals(b.getMetadata().getResourceVersion()) && sameUid(a, b);
    }

    private static boolean sameGeneration(Gateway a, Gateway b) {
        Long generation = a.getMetadata().getGeneration();
        return a == b || sameVersion(a, b) || generation != null && generation.equals(b.getMetadata().getGeneration())
                && sameUid(a, b) && Objects.equals(a.getMetadata().getCreationTimestamp(), b.getMetadata().getCreationTimestamp());
    }

    static boolean sameUid(HasMetadata a, HasMetadata b) {
        String uid = a.getMetadata().getUid();
        return uid != null && uid.equals(b.getMetadata().getUid());
    }
}
