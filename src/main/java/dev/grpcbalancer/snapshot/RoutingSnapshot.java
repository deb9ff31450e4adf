package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The complete, immutable routing state: every balancer the data plane must run. Sources build a
 * fresh one on every change and hand it to a {@link SnapshotSink}; equal snapshots mean nothing
 * changed. Balancer ids and listener ports are unique (sources resolve clashes before).
 *
 * <p>The index by id that the uniqueness check builds is kept ({@link BalancerIndex}, compact: a
 * source builds a snapshot per change): looking a balancer up costs one hash probe, not a walk over
 * a thousand balancers.
 *
 * <p>A snapshot built on another one ({@link #RoutingSnapshot(RoutingSnapshot, List)}) knows which
 * balancers differ from it ({@link #changesSince}): a consumer that runs that base applies the
 * difference and leaves the other balancers alone, so its work follows the change and not the count
 * of balancers. The base is known by its {@link #revision()}, not held: a chain of snapshots never
 * keeps old ones alive.
 */
public final class RoutingSnapshot {

    /** Before {@link #EMPTY}: every snapshot takes its revision from it. */
    private static final AtomicLong REVISIONS = new AtomicLong();

    public static final RoutingSnapshot EMPTY = new RoutingSnapshot(List.of());

    /**
     * What differs between a snapshot and the one it was built on: every other balancer has the
     * same config instance in both.
     *
     * @param changed the balancers that are new or whose config is another instance
     * @param removed the balancers the base had and this snapshot has not
     */
    public record Changes(Set<BalancerId> changed, Set<BalancerId> removed) {

        public Changes {
            changed = Set.copyOf(requireNonNull(changed, "changed"));
            removed = Set.copyOf(requireNonNull(removed, "removed"));
        }
    }

    private final List<BalancerConfig> balancers;
    private final BalancerIndex byId;
    private final long revision = REVISIONS.incrementAndGet();
    /** The revision this snapshot was built on, or 0; and what differs from it (null with no base). */
    private final long baseRevision;
    private final Changes changes;

    /** A snapshot of {@code balancers}, built on no other (a consumer compares it with what it runs in full). */
    public RoutingSnapshot(List<BalancerConfig> balancers) {
        this(null, balancers);
    }

    /**
     * A snapshot of {@code balancers} built on {@code base}: it finds, by identity, which balancers
     * differ from the base (one lookup each, on the source's thread), so that a consumer running the
     * base looks at those only. A config equal to the base's but another instance counts as changed.
     *
     * @param base the snapshot the source built this one on, or {@code null} for none
     */
    public RoutingSnapshot(RoutingSnapshot base, List<BalancerConfig> balancers) {
        this.balancers = List.copyOf(requireNonNull(balancers, "balancers"));
        this.byId = new BalancerIndex(this.balancers);
        checkPorts(this.balancers);
        this.baseRevision = base == null ? 0 : base.revision;
        this.changes = base == null ? null : changesFrom(base.byId);
    }

    private Changes changesFrom(BalancerIndex base) {
        Set<BalancerId> changed = new HashSet<>();
        int kept = 0;
        for (BalancerConfig balancer : balancers) {
            BalancerConfig before = base.get(balancer.id());
            if (before != null) {
                kept++;
            }
            if (before != balancer) {
                changed.add(balancer.id());
            }
        }
        Set<BalancerId> removed = new HashSet<>();
        if (kept < base.size()) { // only then look for the ones that went
            for (BalancerId id : base.keySet()) {
                if (!byId.containsKey(id)) {
                    removed.add(id);
                }
            }
        }
        return new Changes(changed, removed);
    }

    /** This snapshot's number, unique among the snapshots of this JVM. */
    public long revision() {
        return revision;
    }

    /**
     * What differs from {@code base}, when this snapshot was built on it; empty otherwise (built on
     * another snapshot or on none): then only a full comparison tells.
     */
    public Optional<Changes> changesSince(RoutingSnapshot base) {
        return changes != null && base.revision == baseRevision ? Optional.of(changes) : Optional.empty();
    }

    /** Each port once: an open-addressing table of list positions by port, dropped after the check. */
    private static void checkPorts(List<BalancerConfig> balancers) {
        int[] slots = new int[BalancerIndex.capacityFor(balancers.size())];
        int mask = slots.length - 1;
        for (int i = 0; i < balancers.size(); i++) {
            int port = balancers.get(i).listenerPort();
            int slot = BalancerIndex.spread(port * 0x9E3779B9) & mask;
            while (slots[slot] != 0) {
                BalancerConfig holder = balancers.get(slots[slot] - 1);
                if (holder.listenerPort() == port) {
                    throw new IllegalArgumentException("port " + port + " used by both " + holder.id() + " and "
                            + balancers.get(i).id());
                }
                slot = (slot + 1) & mask;
            }
            slots[slot] = i + 1;
        }
    }

    /** Every balancer, in the order the source gave. */
    public List<BalancerConfig> balancers() {
        return balancers;
    }

    public Optional<BalancerConfig> balancer(BalancerId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The balancers by id (unordered, immutable). */
    public Map<BalancerId, BalancerConfig> byId() {
        return byId;
    }

    /**
     * The same balancers in the same order. Sources that keep unchanged balancers' configs as the same
     * instances make this one identity check per balancer.
     */
    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof RoutingSnapshot snapshot && balancers.equals(snapshot.balancers);
    }

    @Override
    public int hashCode() {
        return balancers.hashCode();
    }

    @Override
    public String toString() {
        return "RoutingSnapshot[balancers=" + balancers + "]";
    }
}
