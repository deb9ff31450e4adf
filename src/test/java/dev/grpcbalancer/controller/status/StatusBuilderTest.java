package dev.grpcbalancer.controller.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.ZoneRoutingStatus;
import dev.grpcbalancer.controller.translate.BackendResolution;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusBuilderTest {

    private static final BalancerId ID = new BalancerId("shop", "greeter");
    private static final ListenerState BOUND = new ListenerState(8080, true, null);

    @Test
    void runningBalancerWithReadyEndpointsIsAcceptedProgrammedAndAvailable() {
        BackendSet backends = new BackendSet(List.of(Endpoint.ready("10.0.0.1", 1), Endpoint.ready("10.0.0.2", 1),
                new Endpoint("10.0.0.3", 1, 1, EndpointState.DRAINING)));
        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(backends, List.of()), backends),
                BOUND, null);

        assertThat(status.conditions()).extracting(Conditions.Desired::type, Conditions.Desired::status,
                Conditions.Desired::reason).containsExactly(
                        tuple("Accepted", "True", "Accepted"),
                        tuple("ResolvedRefs", "True", "ResolvedRefs"),
                        tuple("Programmed", "True", "Programmed"),
                        tuple("BackendsAvailable", "True", "BackendsAvailable"));
        assertThat(status.conditions().get(3).message()).isEqualTo("2 of 3 endpoints ready, 1 draining");
        assertThat(status.endpoints()).isEqualTo(new EndpointsStatus(3, 2, 1));
        assertThat(status.readyEndpoints()).isEqualTo("2/3");
    }

    @Test
    void endpointsThatAreNotReadyCountInTheTotal() {
        DesiredStatus status = StatusBuilder.build(
                running(new BackendResolution.Resolved(BackendSet.EMPTY, List.of(), 3), BackendSet.EMPTY), BOUND, null);

        assertThat(status.conditions().get(3)).isEqualTo(new Conditions.Desired("BackendsAvailable", "False",
                "NoReadyEndpoints", "0 of 3 endpoints ready: calls fail with UNAVAILABLE"));
        assertThat(status.readyEndpoints()).isEqualTo("0/3");
    }

    @Test
    void listenerThatCannotBindIsNotProgrammedAndSaysWhy() {
        ListenerState failed = new ListenerState(8080, false, "cannot listen on 0.0.0.0:8080: Address already in use");

        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(BackendSet.EMPTY, List.of()), BackendSet.EMPTY), failed, null);

        assertThat(status.conditions().get(2)).isEqualTo(new Conditions.Desired("Programmed", "False",
                "PortUnavailable", "cannot listen on 0.0.0.0:8080: Address already in use (retrying)"));
    }

    @Test
    void listenerNotBoundYetIsPending() {
        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(BackendSet.EMPTY, List.of()), BackendSet.EMPTY), null, null);

        assertThat(status.conditions().get(2).reason()).isEqualTo("Pending");
    }

    @Test
    void invalidSpecWithoutAValidPastRunsNothing() {
        BalancerOutcome outcome = new BalancerOutcome(ID, resource(), List.of(new SpecError("spec.listener.port",
                "must be 1..65535, got 0")), null, null, null, 0);

        DesiredStatus status = StatusBuilder.build(outcome, null, null);

        assertThat(status.conditions()).extracting(Conditions.Desired::status, Conditions.Desired::reason)
                .containsExactly(tuple("False", "Invalid"),
                        tuple("False", "Invalid"),
                        tuple("False", "Invalid"),
                        tuple("Unknown", "NotProgrammed"));
        assertThat(status.conditions().get(0).message()).isEqualTo("spec.listener.port: must be 1..65535, got 0");
        assertThat(status.addresses()).isEmpty();
    }

    @Test
    void addressesComeFromTheManagedServiceLoadBalancerFirst() {
        Service managed = new ServiceBuilder()
                .withNewMetadata().withName("gbal-shop-greeter").withNamespace("grpc-balancer").endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP("10.96.0.7").endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("203.0.113.9").endIngress().endLoadBalancer()
                .endStatus()
                .build();

        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(BackendSet.EMPTY, List.of()), BackendSet.EMPTY), BOUND, managed);

        assertThat(status.addresses()).containsExactly(new BalancerAddress("IPAddress", "203.0.113.9"),
                new BalancerAddress("IPAddress", "10.96.0.7"),
                new BalancerAddress("Hostname", "gbal-shop-greeter.grpc-balancer.svc"));
    }

    @Test
    void zoneRoutingShowsEndpointsPerZoneAndTheServicesTrafficDistribution() {
        BackendSet backends = new BackendSet(List.of(inZone("10.0.0.1", "z1", EndpointState.READY),
                inZone("10.0.0.2", "z1", EndpointState.DRAINING), inZone("10.0.0.3", "z2", EndpointState.READY)));

        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(backends, List.of(), 0,
                "PreferClose"), backends), BOUND, null);

        assertThat(status.zoneRouting()).isEqualTo(new ZoneRoutingStatus("PreferClose",
                "Service shop/greeter spec.trafficDistribution", "each balancer replica that knows its zone keeps"
                        + " calls in its zone while enough of its endpoints there are available (its /debug/balancers"
                        + " shows whether it does)",
                List.of(new ZoneRoutingStatus.ZoneEndpoints("z1", 2, 1), new ZoneRoutingStatus.ZoneEndpoints("z2", 1, 1))));
    }

    @Test
    void zonesWithoutAPreferenceAreShownAndEndpointsWithoutZonesLeaveItOut() {
        BackendSet zoned = new BackendSet(List.of(new Endpoint("10.0.0.1", 1, 1, EndpointState.READY,
                Locality.inZone("z1"))));
        BackendSet unzoned = new BackendSet(List.of(Endpoint.ready("10.0.0.1", 1)));

        DesiredStatus withZones = StatusBuilder.build(running(new BackendResolution.Resolved(zoned, List.of()), zoned),
                BOUND, null);
        DesiredStatus without = StatusBuilder.build(running(new BackendResolution.Resolved(unzoned, List.of()),
                unzoned), BOUND, null);

        assertThat(withZones.zoneRouting().getTrafficDistribution()).isEqualTo("None");
        assertThat(withZones.zoneRouting().getZones()).containsExactly(new ZoneRoutingStatus.ZoneEndpoints("z1", 1, 1));
        assertThat(without.zoneRouting()).isNull();
    }

    @Test
    void hintsWithoutATrafficDistributionAreTopologyAwareRoutingAndAnUnhintedEndpointIsCalledOut() {
        BackendSet backends = new BackendSet(List.of(inZone("10.0.0.1", "z1", EndpointState.READY),
                new Endpoint("10.0.0.2", 1, 1, EndpointState.READY, Locality.inZone("z2"))));

        DesiredStatus status = StatusBuilder.build(running(new BackendResolution.Resolved(backends, List.of()),
                backends), BOUND, null);

        assertThat(status.zoneRouting().getTrafficDistribution()).isEqualTo("TopologyAwareHints");
        assertThat(status.zoneRouting().getSource()).isEqualTo("EndpointSlice hints of Service shop/greeter");
        assertThat(status.zoneRouting().getMessage())
                .isEqualTo("1 of 2 ready endpoints have no zone (hint): calls go to every zone");
    }

    private static Endpoint inZone(String host, String zone, EndpointState state) {
        return new Endpoint(host, 1, 1, state, new Locality(zone, "", Set.of(zone), Set.of()));
    }

    private static BalancerOutcome running(BackendResolution resolution, BackendSet backends) {
        BalancerConfig config = new BalancerConfig(ID, 1, 8080, LoadBalancingPolicy.RoundRobin, backends);
        return new BalancerOutcome(ID, resource(), List.of(), null, resolution, config, 1);
    }

    private static GrpcBalancer resource() {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("greeter");
        balancer.getMetadata().setGeneration(1L);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(8080);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef("greeter", 50051));
        balancer.setSpec(spec);
        return balancer;
    }
}
