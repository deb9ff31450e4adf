package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.util.List;
import java.util.Set;

/**
 * Which endpoints of a set are local to this balancer, from the set's topology hints (EndpointSlice
 * {@code hints.forZones}/{@code forNodes}, or hints derived from {@code trafficDistribution}):
 * worked out once per endpoint set, before any call. Hints count only when every ready endpoint
 * has one, as kube-proxy has it: one endpoint without a zone hint turns zone routing off.
 *
 * @param sameNode the ready endpoints hinted for this balancer's node (PreferSameNode); empty when
 *     none or no node hints
 * @param sameZone the ready endpoints hinted for this balancer's zone; empty when none
 * @param checkShare the hints name each endpoint's own zone (trafficDistribution), so a small zone
 *     may be overloaded and its share is checked; false for Kubernetes' topology-aware hints
 *     ({@code topology-mode: Auto}), which already give each zone endpoints in proportion
 * @param off why zone routing does not apply at all, or null when it may
 */
record ZonePlan(List<Endpoint> sameNode, List<Endpoint> sameZone, boolean checkShare, String off) {

    static ZonePlan of(List<Endpoint> ready, Locality local, LoadBalancingPolicy policy) {
        if (local.zone().isEmpty() && local.node().isEmpty()) {
            return off("this balancer's zone is unknown (--zone)");
        }
        if (policy == LoadBalancingPolicy.ConsistentHash) {
            return off("ConsistentHash keeps each key on the same endpoint whatever the zone");
        }
        if (ready.isEmpty()) {
            return off("no ready endpoint");
        }
        long hinted = ready.stream().filter(e -> e.locality().hasZoneHints()).count();
        if (hinted == 0) {
            return off("the endpoints carry no topology hints (Service trafficDistribution, EndpointSlice hints"
                    + " or spec.loadBalancing.zoneAware.trafficDistribution)");
        }
        if (hinted < ready.size()) {
            return off((ready.size() - hinted) + " of " + ready.size() + " ready endpoints have no zone hint");
        }
        List<Endpoint> sameNode = local.node().isEmpty() ? List.of()
                : ready.stream().filter(e -> e.locality().forNodes().contains(local.node())).toList();
        List<Endpoint> sameZone = local.zone().isEmpty() ? List.of()
                : ready.stream().filter(e -> e.locality().forZones().contains(local.zone())).toList();
        boolean ownZoneHints = ready.stream()
                .allMatch(e -> e.locality().forZones().equals(Set.of(e.zone())));
        return new ZonePlan(sameNode, sameZone, ownZoneHints, null);
    }

    private static ZonePlan off(String why) {
        return new ZonePlan(List.of(), List.of(), false, why);
    }
}
