package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.translate.BalancerCandidates.Candidate;
import dev.grpcbalancer.snapshot.BalancerId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The reverse of every balancer's recorded inputs: for each {@link InputRef} the balancers whose
 * last translation read it, and the earliest time a balancer's certificates must be checked again.
 * With it a run finds the balancers a set of changed inputs concerns without looking at the others.
 *
 * <p>Immutable. Built in full from a run's candidates, and kept as the same instance by a run whose
 * translated balancers read what they read before (an endpoint change, the common case); any other
 * run builds it again, which costs one pass over the candidates' inputs.
 */
final class InputReaders {

    static final InputReaders EMPTY = new InputReaders(Map.of(), Instant.MAX);

    private final Map<InputRef, List<BalancerId>> readers;
    private final Instant earliestRecheck;

    private InputReaders(Map<InputRef, List<BalancerId>> readers, Instant earliestRecheck) {
        this.readers = readers;
        this.earliestRecheck = earliestRecheck;
    }

    /** The index of {@code candidates}' inputs. */
    static InputReaders of(Collection<Candidate> candidates) {
        Map<InputRef, List<BalancerId>> readers = new HashMap<>();
        Instant earliest = Instant.MAX;
        for (Candidate candidate : candidates) {
            for (InputRef input : candidate.inputs()) {
                readers.computeIfAbsent(input, ref -> new ArrayList<>(1)).add(candidate.id());
            }
            if (candidate.recheckAt().isBefore(earliest)) {
                earliest = candidate.recheckAt();
            }
        }
        readers.replaceAll((ref, ids) -> List.copyOf(ids));
        return new InputReaders(Collections.unmodifiableMap(readers), earliest);
    }

    /**
     * The balancers {@code changed} concerns: those that read one of the refs, and those a
     * {@link InputRef#GRPC_BALANCER} ref names (whether they exist or not).
     */
    Set<BalancerId> concerned(Set<InputRef> changed) {
        Set<BalancerId> found = new HashSet<>();
        for (InputRef ref : changed) {
            if (InputRef.GRPC_BALANCER.equals(ref.kind())) {
                found.add(new BalancerId(ref.namespace(), ref.name()));
            } else {
                found.addAll(readers.getOrDefault(ref, List.of()));
            }
        }
        return found;
    }

    /** When the first balancer's certificates expire or become valid ({@link Instant#MAX}: never). */
    Instant earliestRecheck() {
        return earliestRecheck;
    }

    /** Whether {@code after} reads what {@code before} read and is due for a recheck at the same time. */
    static boolean sameReads(Candidate before, Candidate after) {
        return before == after || before.inputs().equals(after.inputs())
                && Objects.equals(before.recheckAt(), after.recheckAt());
    }
}
