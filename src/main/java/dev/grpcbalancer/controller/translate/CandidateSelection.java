package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.BalancerCandidates.Candidate;
import dev.grpcbalancer.controller.translate.ClusterTranslator.Cluster;
import dev.grpcbalancer.controller.translate.ClusterTranslator.Entry;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The first step of a {@link ClusterTranslator} run: which balancers are translated again and which
 * keep their last candidate, giving every balancer's candidate in id order.
 *
 * <p>Two ways to the same answer. When the source reports every GrpcBalancer that changed
 * ({@link BalancerSource#changesReported()}) and the last run left a memo, only the balancers the changes
 * concern are looked at: those named by a changed {@link InputRef#GRPC_BALANCER} ref, and those that
 * read a changed input ({@link InputReaders}); every other balancer keeps its candidate and place
 * unseen. Otherwise (the first run, a source that only lists, a certificate due for a recheck) every
 * balancer is looked at and keeps its candidate when its resource is the same version and none of
 * its inputs changed.
 */
final class CandidateSelection {

    /**
     * @param candidates every balancer's candidate, sorted by id
     * @param claimsKept whether the same balancers claim the same ports as in the last run (so its
     *     port decisions stand, given they were made over the running snapshot)
     * @param readsKept whether the same balancers, in the same places, read the same inputs as in
     *     the last run (so its {@link InputReaders} still hold)
     * @param visited the balancers looked at (their memo entry checked, or translated)
     */
    record Chosen(List<Candidate> candidates, boolean claimsKept, boolean readsKept, int visited) {
    }

    private final Cluster cluster;
    private final Map<BalancerId, GrpcBalancer> lastValid;
    private final Set<InputRef> changed;
    private final KeyMaterialCache keys;
    private final Instant now;
    private final Map<BalancerId, BalancerConfig> listening;

    CandidateSelection(Cluster cluster, Map<BalancerId, GrpcBalancer> lastValid, Set<InputRef> changed,
            KeyMaterialCache keys, Instant now, Map<BalancerId, BalancerConfig> listening) {
        this.cluster = cluster;
        this.lastValid = lastValid;
        this.changed = changed;
        this.keys = keys;
        this.now = now;
        this.listening = listening;
    }

    /**
     * @param previous the last run's entries by id, its candidates in order and their readers
     * @param claimsStand whether the last run's port decisions were made over the running snapshot
     */
    Chosen choose(BalancerSource balancers, Map<BalancerId, Entry> previous, List<Candidate> previousOrder,
            InputReaders readers, boolean claimsStand) {
        boolean onlyConcerned = balancers.changesReported() && !previous.isEmpty()
                && now.isBefore(readers.earliestRecheck());
        return onlyConcerned ? concerned(balancers, previous, previousOrder, readers, claimsStand)
                : everyBalancer(balancers.all(), previous, claimsStand);
    }

    private Chosen concerned(BalancerSource balancers, Map<BalancerId, Entry> previous, List<Candidate> previousOrder,
            InputReaders readers, boolean claimsStand) {
        Candidate[] places = previousOrder.toArray(new Candidate[0]);
        List<Candidate> newcomers = new ArrayList<>(0);
        boolean claimsKept = claimsStand;
        boolean readsKept = true;
        boolean placesMoved = false;
        int visited = 0;
        for (BalancerId id : readers.concerned(changed)) {
            visited++;
            Entry before = previous.get(id);
            GrpcBalancer balancer = balancers.balancer(id.namespace(), id.name());
            if (balancer == null || balancer.getMetadata() == null || balancer.getMetadata().getName() == null) {
                if (before != null) {
                    places[before.index()] = null;
                    placesMoved = true;
                }
                continue;
            }
            Candidate candidate = candidate(balancer, before);
            if (before == null) {
                newcomers.add(candidate);
                placesMoved = true;
            } else {
                places[before.index()] = candidate;
                claimsKept &= before.candidate() == candidate || PortClaims.sameClaim(before.candidate(), candidate);
                readsKept &= InputReaders.sameReads(before.candidate(), candidate);
            }
        }
        if (!placesMoved) {
            return new Chosen(Arrays.asList(places), claimsKept, readsKept, visited);
        }
        List<Candidate> candidates = new ArrayList<>(places.length + newcomers.size());
        for (Candidate candidate : places) {
            if (candidate != null) {
                candidates.add(candidate);
            }
        }
        candidates.addAll(newcomers);
        candidates.sort(Comparator.comparing(Candidate::id));
        return new Chosen(candidates, false, false, visited);
    }

    private Chosen everyBalancer(Iterable<GrpcBalancer> balancers, Map<BalancerId, Entry> previous, boolean claimsStand) {
        List<Candidate> candidates = new ArrayList<>(previous.size());
        // The same balancers as last time keep their places: no sorting a thousand ids per run.
        Candidate[] samePlaces = new Candidate[previous.size()];
        boolean allInPlace = true;
        boolean claimsKept = claimsStand;
        boolean readsKept = true;
        for (GrpcBalancer balancer : balancers) {
            if (balancer.getMetadata() == null || balancer.getMetadata().getName() == null) {
                continue;
            }
            Entry before = previous.get(BalancerTranslator.idOf(balancer));
            Candidate candidate = candidate(balancer, before);
            candidates.add(candidate);
            claimsKept &= before != null && (before.candidate() == candidate
                    || PortClaims.sameClaim(before.candidate(), candidate));
            readsKept &= before != null && InputReaders.sameReads(before.candidate(), candidate);
            if (allInPlace && before != null && samePlaces[before.index()] == null) {
                samePlaces[before.index()] = candidate;
            } else {
                allInPlace = false;
            }
        }
        claimsKept &= candidates.size() == previous.size();
        if (allInPlace && candidates.size() == samePlaces.length) {
            return new Chosen(Arrays.asList(samePlaces), claimsKept, readsKept && !previous.isEmpty(), candidates.size());
        }
        candidates.sort(Comparator.comparing(Candidate::id));
        return new Chosen(candidates, claimsKept, false, candidates.size());
    }

    /**
     * The last candidate when the resource is the same version, none of its inputs changed and its
     * certificates are not due for a recheck; else the balancer translated again.
     */
    private Candidate candidate(GrpcBalancer balancer, Entry before) {
        if (before != null && ClusterTranslator.sameVersion(before.candidate().resource(), balancer)
                && Collections.disjoint(before.candidate().inputs(), changed)
                && now.isBefore(before.candidate().recheckAt())) {
            return before.candidate();
        }
        BalancerId id = BalancerTranslator.idOf(balancer);
        return BalancerCandidates.candidate(balancer, cluster, lastValid, keys, now, listening.get(id));
    }
}
