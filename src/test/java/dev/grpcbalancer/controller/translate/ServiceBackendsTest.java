package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServiceBackendsTest {

    private static final String NS = "shop";
    private static final BackendRef REF = new BackendRef("refunds", 50051);
    private static final List<ServicePort> GRPC_PORT = List.of(servicePort("grpc", 50051));

    @Test
    void missingServiceIsBackendNotFound() {
        List<EndpointSlice> slices = List.of(slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.1")));

        assertThat(ServiceBackends.resolve(NS, REF, null, slices))
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound", "Service shop/refunds not found"));
    }

    @Test
    void externalNameServiceIsUnsupported() {
        Service service = service("refunds", GRPC_PORT);
        service.getSpec().setType("ExternalName");
        service.getSpec().setExternalName("refunds.example.com");

        assertThat(ServiceBackends.resolve(NS, REF, service, List.of()))
                .isEqualTo(new BackendResolution.Unresolved("UnsupportedBackend",
                        "Service shop/refunds is of type ExternalName: it has no endpoints to balance over"));
    }

    @Test
    void unknownServicePortIsBackendNotFoundListingThePortsTheServiceHas() {
        Service service = service("refunds", List.of(servicePort("http", 80), servicePort(null, 443)));

        assertThat(ServiceBackends.resolve(NS, REF, service, List.of()))
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound",
                        "Service shop/refunds has no port 50051 (ports: 80/http, 443)"));
    }

    @Test
    void serviceWithoutPortsSaysSo() {
        assertThat(ServiceBackends.resolve(NS, REF, service("refunds", List.of()), List.of()))
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound",
                        "Service shop/refunds has no port 50051 (ports: none)"));
    }

    @Test
    void nonTcpServicePortDoesNotCount() {
        ServicePort udp = servicePort("grpc", 50051);
        udp.setProtocol("UDP");

        assertThat(ServiceBackends.resolve(NS, REF, service("refunds", List.of(udp)), List.of()))
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound",
                        "Service shop/refunds has no port 50051 (ports: 50051/grpc UDP)"));
    }

    @Test
    void explicitTcpProtocolsMatchLikeNullOnes() {
        ServicePort tcp = servicePort("grpc", 50051);
        tcp.setProtocol("TCP");
        EndpointSlice slice = slice("refunds-a", "IPv4", List.of(port("grpc", 9000, "TCP")),
                ready("10.0.0.1"));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", List.of(tcp)), List.of(slice))))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000));
    }

    @Test
    void servicePortMapsThroughItsNameToTheSlicePortOfThatName() {
        Service service = service("refunds", List.of(servicePort("http", 80), servicePort("grpc", 50051)));
        EndpointSlice slice = slice("refunds-a", "IPv4", List.of(slicePort("http", 8080), slicePort("grpc", 9000)),
                ready("10.0.0.1"));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service, List.of(slice))))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000));
    }

    @Test
    void namedTargetPortMayDifferPerSlice() {
        List<EndpointSlice> slices = List.of(
                slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.1")),
                slice("refunds-b", "IPv4", grpc(9001), ready("10.0.0.2")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000), Endpoint.ready("10.0.0.2", 9001));
    }

    @Test
    void unnamedSingleServicePortMatchesTheUnnamedSlicePort() {
        Service service = service("refunds", List.of(servicePort(null, 50051)));
        List<EndpointSlice> slices = List.of(
                slice("refunds-a", "IPv4", List.of(slicePort("", 9000)), ready("10.0.0.1")),
                slice("refunds-b", "IPv4", List.of(slicePort(null, 9000)), ready("10.0.0.2")),
                slice("refunds-c", "IPv4", List.of(slicePort("grpc", 9000)), ready("10.0.0.3")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service, slices)))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000), Endpoint.ready("10.0.0.2", 9000));
    }

    @Test
    void slicePortsWithoutAValidNumberOrNotTcpAreSkipped() {
        List<EndpointSlice> slices = List.of(
                slice("refunds-a", "IPv4", List.of(port("grpc", null, "TCP")), ready("10.0.0.1")),
                slice("refunds-0", "IPv4", List.of(port("grpc", 0, "TCP")), ready("10.0.0.4")),
                slice("refunds-b", "IPv4", List.of(port("grpc", 9000, "SCTP")), ready("10.0.0.2")),
                slice("refunds-c", "IPv4", List.of(port("grpc", 9000, "UDP"),
                        port("grpc", 9001, "TCP")), ready("10.0.0.3")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(Endpoint.ready("10.0.0.3", 9001));
    }

    @Test
    void sliceWithoutTheMatchingPortContributesNothing() {
        List<EndpointSlice> slices = List.of(
                slice("refunds-a", "IPv4", List.of(slicePort("http", 8080)), ready("10.0.0.1")),
                slice("refunds-b", "IPv4", List.of(), ready("10.0.0.2")),
                slice("refunds-c", "IPv4", grpc(9000), ready("10.0.0.3")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(Endpoint.ready("10.0.0.3", 9000));
    }

    @Test
    void everySliceIsMergedAndEachAddressCountsOnce() {
        List<EndpointSlice> slices = List.of(
                slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.1"), ready("10.0.0.2")),
                slice("refunds-b", "IPv4", grpc(9000), ready("10.0.0.2"), ready("10.0.0.3")));

        BackendResolution resolution = ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices);

        assertThat(resolution).isEqualTo(new BackendResolution.Resolved(new BackendSet(List.of(
                Endpoint.ready("10.0.0.1", 9000), Endpoint.ready("10.0.0.2", 9000), Endpoint.ready("10.0.0.3", 9000))),
                List.of()));
    }

    @Test
    void endpointMovedBetweenSlicesIsKeptWhenTheOldSliceIsDeleted() {
        EndpointSlice old = slice("refunds-old", "IPv4", grpc(9000), ready("10.0.0.1"), ready("10.0.0.2"));
        EndpointSlice current = slice("refunds-new", "IPv4", grpc(9000), ready("10.0.0.2"), ready("10.0.0.3"));
        Service service = service("refunds", GRPC_PORT);

        assertThat(backends(ServiceBackends.resolve(NS, REF, service, List.of(old, current)))).containsExactly(
                Endpoint.ready("10.0.0.1", 9000), Endpoint.ready("10.0.0.2", 9000), Endpoint.ready("10.0.0.3", 9000));
        assertThat(backends(ServiceBackends.resolve(NS, REF, service, List.of(current))))
                .containsExactly(Endpoint.ready("10.0.0.2", 9000), Endpoint.ready("10.0.0.3", 9000));
    }

    @Test
    void endpointInTwoSlicesKeepsTheBetterState() {
        EndpointSlice draining = slice("refunds-a", "IPv4", grpc(9000), endpoint("10.0.0.1", false, true, true));
        EndpointSlice ready = slice("refunds-b", "IPv4", grpc(9000), ready("10.0.0.1"));
        Service service = service("refunds", GRPC_PORT);

        assertThat(backends(ServiceBackends.resolve(NS, REF, service, List.of(draining, ready))))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000));
        assertThat(backends(ServiceBackends.resolve(NS, REF, service, List.of(ready, draining))))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000));
    }

    @Test
    void nilConditionsMeanReadyServingNotTerminating() {
        var noConditions = new EndpointBuilder().withAddresses("10.0.0.1").build();
        var emptyConditions = new EndpointBuilder().withAddresses("10.0.0.2").withConditions(new EndpointConditions())
                .build();

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT),
                List.of(slice("refunds-a", "IPv4", grpc(9000), noConditions, emptyConditions)))))
                .containsExactly(new Endpoint("10.0.0.1", 9000, 1, EndpointState.READY),
                        new Endpoint("10.0.0.2", 9000, 1, EndpointState.READY));
    }

    @Test
    void readyEndpointTakesCallsWithWeightOne() {
        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT),
                List.of(slice("refunds-a", "IPv4", grpc(9000), endpoint("10.0.0.1", true, true, false))))))
                .containsExactly(new Endpoint("10.0.0.1", 9000, 1, EndpointState.READY));
    }

    @Test
    void terminatingButServingEndpointDrains() {
        List<EndpointSlice> slices = List.of(slice("refunds-a", "IPv4", grpc(9000),
                endpoint("10.0.0.1", false, true, true),
                endpoint("10.0.0.2", false, null, true)));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(new Endpoint("10.0.0.1", 9000, 1, EndpointState.DRAINING),
                        new Endpoint("10.0.0.2", 9000, 1, EndpointState.DRAINING));
    }

    @Test
    void terminatingEndpointThatStoppedServingIsLeftOut() {
        List<EndpointSlice> slices = List.of(slice("refunds-a", "IPv4", grpc(9000),
                endpoint("10.0.0.1", false, false, true), ready("10.0.0.2")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(Endpoint.ready("10.0.0.2", 9000));
    }

    @Test
    void notReadyEndpointThatIsNotTerminatingIsLeftOut() {
        List<EndpointSlice> slices = List.of(slice("refunds-a", "IPv4", grpc(9000),
                endpoint("10.0.0.1", false, false, false),
                endpoint("10.0.0.2", false, null, null),
                ready("10.0.0.3")));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices)))
                .containsExactly(Endpoint.ready("10.0.0.3", 9000));
    }

    @Test
    void ipv6EndpointsAreCanonicalWithoutBracketsInTheHost() {
        Service service = service("refunds", GRPC_PORT);
        service.getSpec().setIpFamilies(List.of("IPv6"));
        EndpointSlice slice = slice("refunds-a", "IPv6", grpc(9000), ready("2001:DB8:0:0:0:0:0:1"), ready("fd00::2"));

        List<Endpoint> endpoints = backends(ServiceBackends.resolve(NS, REF, service, List.of(slice)));

        assertThat(endpoints).containsExactly(Endpoint.ready("2001:db8::1", 9000), Endpoint.ready("fd00::2", 9000));
        assertThat(endpoints.get(0).address()).hasToString("[2001:db8::1]:9000");
    }

    @Test
    void fqdnSliceIsIgnoredWithANote() {
        List<EndpointSlice> slices = List.of(
                slice("refunds-abc", "FQDN", grpc(9000), ready("refunds.example.com")),
                slice("refunds-def", "IPv4", grpc(9000), ready("10.0.0.1")));

        assertThat(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT), slices))
                .isEqualTo(new BackendResolution.Resolved(new BackendSet(List.of(Endpoint.ready("10.0.0.1", 9000))),
                        List.of("EndpointSlice shop/refunds-abc has addressType FQDN, which is not supported:"
                                + " ignored")));
    }

    @Test
    void dualStackTwinsUseThePrimaryFamilyOnly() {
        Service service = service("refunds", GRPC_PORT);
        service.getSpec().setIpFamilies(List.of("IPv6", "IPv4"));
        List<EndpointSlice> slices = List.of(
                slice("refunds-v4", "IPv4", grpc(9000), ready("10.0.0.1"), ready("10.0.0.2")),
                slice("refunds-v6", "IPv6", grpc(9000), ready("fd00::1"), ready("fd00::2")));

        assertThat(ServiceBackends.resolve(NS, REF, service, slices)).isEqualTo(new BackendResolution.Resolved(
                new BackendSet(List.of(Endpoint.ready("fd00::1", 9000), Endpoint.ready("fd00::2", 9000))),
                List.of("IPv4 EndpointSlices of Service shop/refunds are ignored: IPv6 is its primary address family"
                        + " (a dual-stack Service lists every endpoint once per family)")));
    }

    @Test
    void withoutIpFamiliesIpv4IsPrimaryWhenAnIpv4SliceExistsElseIpv6() {
        Service service = service("refunds", GRPC_PORT);
        EndpointSlice v4 = slice("refunds-v4", "IPv4", grpc(9000), ready("10.0.0.1"));
        EndpointSlice v6 = slice("refunds-v6", "IPv6", grpc(9000), ready("fd00::1"));

        BackendResolution both = ServiceBackends.resolve(NS, REF, service, List.of(v6, v4));
        assertThat(backends(both)).containsExactly(Endpoint.ready("10.0.0.1", 9000));
        assertThat(((BackendResolution.Resolved) both).notes()).singleElement().asString()
                .startsWith("IPv6 EndpointSlices of Service shop/refunds are ignored");
        assertThat(ServiceBackends.resolve(NS, REF, service, List.of(v6)))
                .isEqualTo(new BackendResolution.Resolved(new BackendSet(List.of(Endpoint.ready("fd00::1", 9000))),
                        List.of()));
    }

    @Test
    void onlyTheFirstAddressOfAnEndpointIsUsed() {
        var twoAddresses = new EndpointBuilder().withAddresses("10.0.0.1", "10.0.0.9").build();

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT),
                List.of(slice("refunds-a", "IPv4", grpc(9000), twoAddresses)))))
                .containsExactly(Endpoint.ready("10.0.0.1", 9000));
    }

    @Test
    void addressThatIsNotOfTheSliceFamilyIsIgnoredWithANote() {
        assertThat(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT),
                List.of(slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.01"), ready("10.0.0.2")))))
                .isEqualTo(new BackendResolution.Resolved(new BackendSet(List.of(Endpoint.ready("10.0.0.2", 9000))),
                        List.of("EndpointSlice shop/refunds-a lists \"10.0.0.01\", which is not an IPv4 address:"
                                + " ignored")));
    }

    @Test
    void serviceWithNoMatchingEndpointsResolvesToAnEmptySet() {
        Service service = service("refunds", GRPC_PORT);

        assertThat(ServiceBackends.resolve(NS, REF, service, List.of()))
                .isEqualTo(new BackendResolution.Resolved(BackendSet.EMPTY, List.of()));
        assertThat(ServiceBackends.resolve(NS, REF, service, List.of(slice("refunds-a", "IPv4", grpc(9000),
                endpoint("10.0.0.1", false, false, false)))))
                .as("listed but not serving: counted as not ready")
                .isEqualTo(new BackendResolution.Resolved(BackendSet.EMPTY, List.of(), 1));
    }

    @Test
    void slicesOfAnotherServiceOrNamespaceAreLeftOut() {
        EndpointSlice otherService = slice("greeter-a", "IPv4", grpc(9000), ready("10.0.0.1"));
        otherService.getMetadata().setLabels(Map.of(ServiceBackends.SERVICE_NAME_LABEL, "greeter"));
        EndpointSlice otherNamespace = slice("refunds-x", "IPv4", grpc(9000), ready("10.0.0.2"));
        otherNamespace.getMetadata().setNamespace("billing");
        EndpointSlice unlabelled = slice("refunds-y", "IPv4", grpc(9000), ready("10.0.0.3"));
        unlabelled.getMetadata().setLabels(null);
        EndpointSlice own = slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.4"));

        assertThat(backends(ServiceBackends.resolve(NS, REF, service("refunds", GRPC_PORT),
                List.of(otherService, otherNamespace, unlabelled, own))))
                .containsExactly(Endpoint.ready("10.0.0.4", 9000));
    }

    @Test
    void sameInputInAnyOrderGivesAnEqualResolution() {
        Service service = service("refunds", GRPC_PORT);
        List<EndpointSlice> slices = new ArrayList<>(List.of(
                slice("refunds-a", "IPv4", grpc(9000), ready("10.0.0.3"), endpoint("10.0.0.1", false, true, true)),
                slice("refunds-b", "IPv4", grpc(9001), ready("10.0.0.2"), ready("10.0.0.1")),
                slice("refunds-c", "FQDN", grpc(9000), ready("a.example.com")),
                slice("refunds-d", "IPv4", grpc(9000), ready("10.0.0.1"), ready("bad")),
                slice("refunds-e", "IPv6", grpc(9000), ready("fd00::1")),
                slice("refunds-f", "FQDN", grpc(9000), ready("b.example.com"))));
        BackendResolution first = ServiceBackends.resolve(NS, REF, service, slices);
        Random random = new Random(42);

        for (int i = 0; i < 20; i++) {
            Collections.shuffle(slices, random);
            assertThat(ServiceBackends.resolve(NS, REF, service, slices)).isEqualTo(first);
        }
        assertThat(((BackendResolution.Resolved) first).notes()).hasSize(4);
        assertThat(backends(first)).hasSize(4);
    }

    @Test
    void serviceOtherThanTheReferencedOneIsRejected() {
        assertThatThrownBy(() -> ServiceBackends.resolve(NS, REF, service("greeter", GRPC_PORT), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backendRef names Service shop/refunds, got shop/greeter");
    }

    @Test
    void referenceWithoutAPortIsRejected() {
        assertThatThrownBy(() -> ServiceBackends.resolve(NS, new BackendRef("refunds", null),
                service("refunds", GRPC_PORT), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Endpoint> backends(BackendResolution resolution) {
        assertThat(resolution).isInstanceOf(BackendResolution.Resolved.class);
        return ((BackendResolution.Resolved) resolution).backends().endpoints();
    }

    static Service service(String name, List<ServicePort> ports) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(NS).withName(name).endMetadata()
                .withNewSpec().withType("ClusterIP").withPorts(ports).endSpec()
                .build();
    }

    static ServicePort servicePort(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).build();
    }

    static EndpointPort slicePort(String name, int port) {
        return port(name, port, null);
    }

    static EndpointPort port(String name, Integer port, String protocol) {
        return new EndpointPortBuilder().withName(name).withPort(port).withProtocol(protocol).build();
    }

    static List<EndpointPort> grpc(int port) {
        return List.of(slicePort("grpc", port));
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint ready(String address) {
        return endpoint(address, true, true, false);
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(String address, Boolean ready,
            Boolean serving, Boolean terminating) {
        return new EndpointBuilder().withAddresses(address)
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .build();
    }

    static EndpointSlice slice(String name, String addressType, List<EndpointPort> ports,
            io.fabric8.kubernetes.api.model.discovery.v1.Endpoint... endpoints) {
        return new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(NS).withName(name)
                .withLabels(Map.of(ServiceBackends.SERVICE_NAME_LABEL, "refunds")).endMetadata()
                .withAddressType(addressType)
                .withPorts(ports)
                .withEndpoints(Arrays.asList(endpoints))
                .build();
    }
}
