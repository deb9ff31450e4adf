package dev.grpcbalancer.controller.status;

import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ZoneRoutingStatus;
import dev.grpcbalancer.controller.translate.BackendResolution;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code status.zoneRouting} of one balancer: its endpoints per zone and the preference its calls
 * are routed by, with where that comes from. Pure.
 */
final class ZoneStatus {

    static final String NONE = "None";
    static final String TOPOLOGY_AWARE_HINTS = "TopologyAwareHints";

    private ZoneStatus() {
    }

    /** Null when the balancer runs nothing, or no endpoint has a zone and nothing asks for zone routing. */
    static ZoneRoutingStatus of(BalancerOutcome outcome) {
        if (outcome.config() == null) {
            return null;
        }
        List<Endpoint> endpoints = outcome.config().allEndpoints();
        Map<String, int[]> byZone = new TreeMap<>();
        for (Endpoint endpoint : endpoints) {
            if (!endpoint.zone().isEmpty()) {
                int[] counts = byZone.computeIfAbsent(endpoint.zone(), z -> new int[2]);
                counts[0]++;
                counts[1] += endpoint.state() == EndpointState.READY ? 1 : 0;
            }
        }
        Preference preference = preference(outcome, endpoints);
        if (byZone.isEmpty() && preference == null) {
            return null;
        }
        List<ZoneRoutingStatus.ZoneEndpoints> zones = new ArrayList<>();
        byZone.forEach((zone, counts) -> zones.add(new ZoneRoutingStatus.ZoneEndpoints(zone, counts[0], counts[1])));
        if (preference == null) {
            return new ZoneRoutingStatus(NONE, null, "calls go to every zone: neither the Service nor"
                    + " spec.loadBalancing.zoneAware asks for a preference", zones);
        }
        return new ZoneRoutingStatus(preference.distribution(), preference.source(),
                message(preference.distribution(), endpoints), zones);
    }

    private record Preference(String distribution, String source) {}

    /** What asks for zone routing, or null when nothing does. */
    private static Preference preference(BalancerOutcome outcome, List<Endpoint> endpoints) {
        GrpcBalancerSpec spec = outcome.resource().getSpec();
        if (spec != null && spec.getLoadBalancing() != null && spec.getLoadBalancing().getZoneAware() != null
                && spec.getLoadBalancing().getZoneAware().getTrafficDistribution() != null && outcome.isValid()) {
            return new Preference(spec.getLoadBalancing().getZoneAware().getTrafficDistribution(),
                    "spec.loadBalancing.zoneAware");
        }
        if (outcome.resolution() instanceof BackendResolution.Resolved resolved) {
            String service = "Service " + outcome.id().namespace() + "/" + spec.getBackendRef().getName();
            if (resolved.trafficDistribution() != null) {
                return new Preference(resolved.trafficDistribution(), service + " spec.trafficDistribution");
            }
            if (endpoints.stream().anyMatch(e -> e.locality().hasZoneHints())) {
                return new Preference(TOPOLOGY_AWARE_HINTS, "EndpointSlice hints of " + service);
            }
        }
        return null;
    }

    private static String message(String preference, List<Endpoint> endpoints) {
        List<Endpoint> ready = endpoints.stream().filter(e -> e.state() == EndpointState.READY).toList();
        long unhinted = ready.stream().filter(e -> !e.locality().hasZoneHints()).count();
        if (unhinted > 0) {
            return unhinted + " of " + ready.size() + " ready endpoints have no zone (hint): calls go to every zone";
        }
        String where = preference.equals("PreferSameNode") ? "node (else zone)" : "zone";
        return "each balancer replica that knows its zone keeps calls in its " + where
                + " while enough of its endpoints there are available (its /debug/balancers shows whether it does)";
    }
}
