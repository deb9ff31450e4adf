package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@link LoadBalancer} of one endpoint set: the policy over every candidate, and, when the
 * set's topology hints make some endpoints local ({@link ZonePlan}), the same policy over the
 * endpoints of this balancer's node and of its zone. Each call goes to the most local group that
 * can take it: the node's while any of its endpoints is available, else the zone's while enough of
 * its endpoints are available (no fewer than the panic threshold of them and, for hints that name
 * each endpoint's own zone, at least {@code minZoneSharePercent} of an even share of all available
 * endpoints), else every candidate. Retries go to every candidate.
 *
 * <p>The choice of group is worked out again only when an endpoint's availability changes (the
 * loads' health version), so the common pick reads one volatile field more than the policy does.
 */
final class ZoneAwareLoadBalancer implements LoadBalancer {

    private final WeightedLoadBalancer all;
    private final WeightedLoadBalancer sameNode;
    private final WeightedLoadBalancer sameZone;
    private final ZonePlan plan;
    private final EndpointLoads loads;
    private final LoadBalancers.Settings settings;
    private volatile Decision decision;

    /** The group calls go to, as of one health version. */
    private record Decision(int healthVersion, WeightedLoadBalancer group, ZoneRouting status) {}

    /** Builds the policy over one group of endpoints, behind {@code front}. */
    interface Policy {
        WeightedLoadBalancer over(List<Endpoint> group, LoadBalancer front);
    }

    /**
     * @param candidates every endpoint calls may go to
     * @param plan which of them are local
     */
    ZoneAwareLoadBalancer(List<Endpoint> candidates, ZonePlan plan, EndpointLoads loads, LoadBalancers.Settings settings,
            Policy policy) {
        this.plan = plan;
        this.loads = loads;
        this.settings = settings;
        this.all = policy.over(candidates, this);
        this.sameNode = plan.sameNode().isEmpty() ? null : policy.over(plan.sameNode(), this);
        this.sameZone = plan.sameZone().isEmpty() ? null : policy.over(plan.sameZone(), this);
    }

    /**
     * A retry ({@code avoid} set) is picked over every zone: the attempt that failed may have
     * failed for its zone's sake, and outlier detection or health checks have not said so yet.
     */
    @Override
    public Selection pick(EndpointAddress avoid, CharSequence hashKey) {
        if (avoid != null || sameNode == null && sameZone == null) {
            return all.pick(avoid, hashKey);
        }
        return current().group().pick(null, hashKey);
    }

    /** Hedges, like retries, go to every candidate: the zone's endpoints may be what is slow. */
    @Override
    public Selection pickOther(Collection<EndpointAddress> avoid) {
        return all.pickOther(avoid);
    }

    @Override
    public ZoneRouting zoneRouting() {
        if (sameNode == null && sameZone == null) {
            return new ZoneRouting(false, plan.off() != null ? "off: " + plan.off()
                    : "off: no endpoint is hinted for " + localDescription());
        }
        return current().status();
    }

    private Decision current() {
        Decision now = decision;
        int version = loads.healthVersion();
        if (now == null || now.healthVersion() != version) {
            now = decide(version);
            decision = now;
        }
        return now;
    }

    private Decision decide(int version) {
        long now = all.now();
        if (sameNode != null) {
            int available = sameNode.availableCount(now);
            if (available > 0 && !sameNode.panicking(now)) {
                return new Decision(version, sameNode, new ZoneRouting(true, "calls stay on node "
                        + settings.local().node() + " (" + available + " of " + all.candidates.length + " endpoints)"));
            }
        }
        String zone = settings.local().zone();
        String spill;
        if (sameZone == null) {
            spill = "no endpoint is available on node " + settings.local().node();
        } else {
            int available = sameZone.availableCount(now);
            if (available == 0) {
                spill = "zone " + zone + " has no endpoint available";
            } else if (sameZone.panicking(now)) {
                spill = "only " + available + " of " + sameZone.candidates.length + " endpoints of zone " + zone
                        + " are available";
            } else if (plan.checkShare() && !enoughShare(now)) {
                spill = "zone " + zone + " holds " + String.format(Locale.ROOT, "%.0f", sharePercent(now))
                        + " % of an even share of the available endpoints, below minZoneSharePercent "
                        + settings.options().minZoneSharePercent();
            } else {
                return new Decision(version, sameZone, new ZoneRouting(true, "calls stay in zone " + zone + " ("
                        + available + " of " + all.candidates.length + " endpoints)"));
            }
        }
        return new Decision(version, all, new ZoneRouting(false, "spilling over to every zone: " + spill));
    }

    private boolean enoughShare(long now) {
        return sharePercent(now) >= settings.options().minZoneSharePercent();
    }

    /** The zone's available weight as a percentage of an even share (available weight / zones). */
    private double sharePercent(long now) {
        long local = availableWeight(sameZone, now);
        long total = availableWeight(all, now);
        Set<String> zones = new HashSet<>();
        for (int i = 0; i < all.candidates.length; i++) {
            if (all.candidateLoads[i].available(now)) {
                zones.add(all.candidates[i].zone());
            }
        }
        return total == 0 ? 0 : 100.0 * local * zones.size() / total;
    }

    private static long availableWeight(WeightedLoadBalancer group, long now) {
        long weight = 0;
        for (int i = 0; i < group.candidates.length; i++) {
            if (group.candidateLoads[i].available(now)) {
                weight += group.candidates[i].weight();
            }
        }
        return weight;
    }

    private String localDescription() {
        String zone = settings.local().zone();
        return zone.isEmpty() ? "node " + settings.local().node() : "zone " + zone;
    }

    @Override
    public LocalityCalls localityCalls() {
        return loads.localityCounts().snapshot();
    }

    @Override
    public int inFlight(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load == null ? 0 : load.inFlight();
    }

    @Override
    public void setHealthy(EndpointAddress address, boolean healthy) {
        EndpointLoad load = loads.get(address);
        if (load != null && load.setHealthy(healthy) && healthy && settings.slowStartNanos() > 0) {
            load.startRamp(all.now());
        }
    }

    @Override
    public boolean isAvailable(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load != null && load.available(all.now());
    }

    @Override
    public EndpointStatus status(EndpointAddress address) {
        EndpointLoad load = loads.get(address);
        return load == null ? EndpointStatus.UNKNOWN
                : new EndpointStatus(load.isHealthy(), load.isEjected(all.now()), load.ejections());
    }

    EndpointLoads loads() {
        return loads;
    }
}
