package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.TrafficDistribution;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Locality;
import java.util.Set;

/**
 * The topology hints a {@code trafficDistribution} asks for, as Kubernetes' EndpointSlice
 * controller writes them: PreferClose and PreferSameZone hint every endpoint for its own zone,
 * PreferSameNode for its own node (and zone, to fall back to). An endpoint of unknown zone gets no
 * zone hint, which turns zone routing off for its set. Pure.
 */
final class ZoneHints {

    private ZoneHints() {
    }

    /** Every endpoint hinted as {@code distribution} asks, whatever hints it had. */
    static BackendSet apply(BackendSet backends, TrafficDistribution distribution) {
        return new BackendSet(backends.endpoints().stream()
                .map(e -> e.withLocality(hinted(e.locality(), distribution, false)))
                .toList());
    }

    /**
     * {@code locality} hinted as {@code distribution} asks; with {@code keepGiven}, hints it
     * already has (from its EndpointSlice) stay.
     */
    static Locality hinted(Locality locality, TrafficDistribution distribution, boolean keepGiven) {
        Set<String> zones = locality.zone().isEmpty() ? Set.of() : Set.of(locality.zone());
        Set<String> nodes = distribution != TrafficDistribution.PreferSameNode || locality.node().isEmpty()
                ? Set.of() : Set.of(locality.node());
        if (keepGiven) {
            zones = locality.forZones().isEmpty() ? zones : locality.forZones();
            nodes = locality.forNodes().isEmpty() ? nodes : locality.forNodes();
        }
        return locality.withHints(zones, nodes);
    }
}
