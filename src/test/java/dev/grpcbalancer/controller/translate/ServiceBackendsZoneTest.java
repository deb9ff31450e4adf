package dev.grpcbalancer.controller.translate;

import static dev.grpcbalancer.controller.translate.ServiceBackendsTest.grpc;
import static dev.grpcbalancer.controller.translate.ServiceBackendsTest.ready;
import static dev.grpcbalancer.controller.translate.ServiceBackendsTest.service;
import static dev.grpcbalancer.controller.translate.ServiceBackendsTest.servicePort;
import static dev.grpcbalancer.controller.translate.ServiceBackendsTest.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.TrafficDistribution;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.Locality;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForNode;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Zones, nodes and topology hints of a Service's endpoints, and its trafficDistribution: pure translation. */
class ServiceBackendsZoneTest {

    private static final BackendRef REF = new BackendRef("refunds", 50051);

    @Test
    void endpointsKeepTheZoneNodeAndHintsTheirSliceGives() {
        EndpointSlice slice = slice("refunds-a", "IPv4", grpc(9000),
                located("10.0.0.1", "z1", "node-1", List.of("z1"), List.of()),
                located("10.0.0.2", "z2", "node-2", List.of("z1", "z2"), List.of()));

        BackendResolution.Resolved resolved = resolve(service(null), slice);

        assertThat(resolved.backends().endpoints()).extracting(Endpoint::locality).containsExactly(
                new Locality("z1", "node-1", Set.of("z1"), Set.of()),
                new Locality("z2", "node-2", Set.of("z1", "z2"), Set.of()));
        assertThat(resolved.trafficDistribution()).isNull();
    }

    @Test
    void preferCloseHintsEveryEndpointWithoutHintsForItsOwnZone() {
        EndpointSlice slice = slice("refunds-a", "IPv4", grpc(9000),
                located("10.0.0.1", "z1", "node-1", List.of(), List.of()),
                located("10.0.0.2", "z2", "node-2", List.of(), List.of()),
                located("10.0.0.3", null, "node-3", List.of(), List.of()));

        BackendResolution.Resolved resolved = resolve(service("PreferClose"), slice);

        assertThat(resolved.backends().endpoints()).extracting(Endpoint::locality).containsExactly(
                new Locality("z1", "node-1", Set.of("z1"), Set.of()),
                new Locality("z2", "node-2", Set.of("z2"), Set.of()),
                new Locality("", "node-3", Set.of(), Set.of()));
        assertThat(resolved.trafficDistribution()).isEqualTo("PreferClose");
    }

    @Test
    void preferSameNodeHintsEachEndpointForItsNodeAndZone() {
        EndpointSlice slice = slice("refunds-a", "IPv4", grpc(9000),
                located("10.0.0.1", "z1", "node-1", List.of(), List.of()));

        assertThat(resolve(service("PreferSameNode"), slice).backends().endpoints().get(0).locality())
                .isEqualTo(new Locality("z1", "node-1", Set.of("z1"), Set.of("node-1")));
    }

    @Test
    void hintsTheEndpointSliceControllerWroteWinOverTheServicesTrafficDistribution() {
        EndpointSlice slice = slice("refunds-a", "IPv4", grpc(9000),
                located("10.0.0.1", "z1", "node-1", List.of("z2"), List.of("node-9")));

        assertThat(resolve(service("PreferSameNode"), slice).backends().endpoints().get(0).locality())
                .isEqualTo(new Locality("z1", "node-1", Set.of("z2"), Set.of("node-9")));
    }

    @Test
    void anUnknownTrafficDistributionIsNotedAndIgnored() {
        EndpointSlice slice = slice("refunds-a", "IPv4", grpc(9000),
                located("10.0.0.1", "z1", "node-1", List.of(), List.of()));

        BackendResolution.Resolved resolved = resolve(service("PreferSameRegion"), slice);

        assertThat(resolved.backends().endpoints().get(0).locality().hasZoneHints()).isFalse();
        assertThat(resolved.trafficDistribution()).isNull();
        assertThat(resolved.notes()).containsExactly("Service shop/refunds has trafficDistribution PreferSameRegion,"
                + " which is not supported: ignored (supported: PreferClose, PreferSameZone, PreferSameNode)");
    }

    @Test
    void anEndpointInTwoSlicesKeepsTheLocalityOfItsBetterStateWhateverTheOrder() {
        EndpointSlice old = slice("refunds-a", "IPv4", grpc(9000), terminating("10.0.0.1", "z1"));
        EndpointSlice current = slice("refunds-b", "IPv4", grpc(9000),
                located("10.0.0.1", "z2", "node-2", List.of(), List.of()));

        BackendSet one = resolve(service(null), old, current).backends();
        BackendSet other = resolve(service(null), current, old).backends();

        assertThat(one).isEqualTo(other);
        assertThat(one.endpoints().get(0).zone()).isEqualTo("z2");
    }

    @Test
    void theBalancersOwnTrafficDistributionReplacesEveryHint() {
        BackendSet given = new BackendSet(List.of(
                new Endpoint("10.0.0.1", 1, 1, dev.grpcbalancer.snapshot.EndpointState.READY,
                        new Locality("z1", "node-1", Set.of("z2"), Set.of()))));

        assertThat(ZoneHints.apply(given, TrafficDistribution.PreferSameZone).endpoints().get(0).locality())
                .isEqualTo(new Locality("z1", "node-1", Set.of("z1"), Set.of()));
    }

    private static BackendResolution.Resolved resolve(Service service, EndpointSlice... slices) {
        BackendResolution resolution = ServiceBackends.resolve("shop", REF, service, List.of(slices));
        assertThat(resolution).isInstanceOf(BackendResolution.Resolved.class);
        return (BackendResolution.Resolved) resolution;
    }

    private static Service service(String trafficDistribution) {
        Service service = ServiceBackendsTest.service("refunds", List.of(servicePort("grpc", 50051)));
        service.getSpec().setTrafficDistribution(trafficDistribution);
        return service;
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint located(String address, String zone,
            String node, List<String> forZones, List<String> forNodes) {
        io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint = ready(address);
        endpoint.setZone(zone);
        endpoint.setNodeName(node);
        if (!forZones.isEmpty() || !forNodes.isEmpty()) {
            endpoint.setHints(new EndpointHintsBuilder()
                    .withForZones(forZones.stream().map(ForZone::new).toList())
                    .withForNodes(forNodes.stream().map(ForNode::new).toList())
                    .build());
        }
        return endpoint;
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint terminating(String address, String zone) {
        io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint = ServiceBackendsTest.endpoint(address, false,
                true, true);
        endpoint.setZone(zone);
        return endpoint;
    }
}
