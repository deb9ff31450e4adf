package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * Where an endpoint runs and which clients it should serve, in Kubernetes' topology terms.
 *
 * @param zone the endpoint's zone ({@code topology.kubernetes.io/zone} of its node); empty when unknown
 * @param node the name of its node; empty when unknown
 * @param forZones the zones whose clients it should serve (EndpointSlice {@code hints.forZones}, or
 *     derived from {@code trafficDistribution}); empty: no zone hint
 * @param forNodes the nodes whose clients it should serve ({@code hints.forNodes}, from
 *     {@code trafficDistribution: PreferSameNode}); empty: no node hint
 */
public record Locality(String zone, String node, Set<String> forZones, Set<String> forNodes) {

    /** Nothing known. */
    public static final Locality NONE = new Locality("", "", Set.of(), Set.of());

    public Locality {
        requireNonNull(zone, "zone");
        requireNonNull(node, "node");
        forZones = Set.copyOf(requireNonNull(forZones, "forZones"));
        forNodes = Set.copyOf(requireNonNull(forNodes, "forNodes"));
    }

    /** An endpoint in {@code zone} (may be empty) without hints. */
    public static Locality inZone(String zone) {
        return zone.isEmpty() ? NONE : new Locality(zone, "", Set.of(), Set.of());
    }

    public Locality withHints(Set<String> zones, Set<String> nodes) {
        return new Locality(zone, node, zones, nodes);
    }

    public boolean hasZoneHints() {
        return !forZones.isEmpty();
    }
}
