package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ClusterObjects.balancer;
import static dev.grpcbalancer.controller.ClusterObjects.ready;
import static dev.grpcbalancer.controller.ClusterObjects.service;
import static dev.grpcbalancer.controller.ClusterObjects.slice;
import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.ZoneRoutingStatus;
import io.fabric8.kubernetes.api.model.Service;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.testing.grpc.SteadyUnaryLoad;
import dev.grpcbalancer.testing.grpc.TestCall;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller end to end against fabric8's mock API server in CRUD mode: real grpc-java
 * backends on 127.0.0.x stand in for the pods an EndpointSlice lists, the data plane runs
 * in-process, and a real client calls through it.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerEndToEndTest {

    KubernetesClient client;
    KubernetesMockServer server;

    private ControllerFixture controller;
    private Pods pods;
    private TestClient grpc;

    @AfterEach
    void tearDown() {
        if (grpc != null) {
            grpc.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (pods != null) {
            pods.close();
        }
    }

    @Test
    void createdBalancerListensSpreadsCallsAndReportsProgrammedWithAllEndpointsReady() throws Exception {
        pods = Pods.start(2, 3);
        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", pods.port(),
                ready("127.0.0.2"), ready("127.0.0.3"), ready("127.0.0.4"))).create();
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();

        client.resource(balancer(NAMESPACE, "greeter", port, "greeter", 50051)).create();

        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        controller.awaitCondition("greeter", "Accepted", "True", "Accepted");
        controller.awaitCondition("greeter", "ResolvedRefs", "True", "ResolvedRefs");
        controller.awaitCondition("greeter", "BackendsAvailable", "True", "BackendsAvailable");
        GrpcBalancer status = controller.balancer("greeter");
        assertThat(status.getStatus().getEndpoints().getTotal()).isEqualTo(3);
        assertThat(status.getStatus().getEndpoints().getReady()).isEqualTo(3);
        assertThat(status.getStatus().getReadyEndpoints()).isEqualTo("3/3");
        assertThat(status.getStatus().getObservedGeneration()).isEqualTo(status.getMetadata().getGeneration());

        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));
        Map<String, Integer> byBackend = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            CallResult result = grpc.unary("hello".getBytes(StandardCharsets.UTF_8), RequestHeaders.none(), Duration.ofSeconds(5));
            assertThat(result.isOk()).as(result.toString()).isTrue();
            byBackend.merge(result.backendId(), 1, Integer::sum);
        }
        assertThat(byBackend).containsOnlyKeys("127.0.0.2", "127.0.0.3", "127.0.0.4");
        assertThat(byBackend.values()).allSatisfy(n -> assertThat(n).isEqualTo(100));
    }

    @Test
    void scalingTheSlicesUpAndDownUnderLoadLosesNoCallAndNewEndpointsTakeCalls() throws Exception {
        pods = Pods.start(2, 2);
        int port = startWithService(pods, "127.0.0.2", "127.0.0.3");
        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(new InetSocketAddress(ProxyFixture.HOST, port), 4)) {
            load.awaitSucceeded(200, WAIT);

            pods.add(4);
            pods.add(5);
            updateSlice("greeter-abc", ready("127.0.0.2"), ready("127.0.0.3"), ready("127.0.0.4"));
            client.resource(slice(NAMESPACE, "greeter-def", "greeter", pods.port(), ready("127.0.0.5"))).create();
            Await.until(WAIT, () -> load.callsTo("127.0.0.4") > 20 && load.callsTo("127.0.0.5") > 20, load::toString);
            awaitEndpoints(4, 4, 0);

            updateSlice("greeter-abc", ready("127.0.0.3"));
            client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).withName("greeter-def").delete();
            awaitEndpoints(1, 1, 0);
            load.awaitCallsStartedFromNow(WAIT);
            long before = load.callsTo("127.0.0.2") + load.callsTo("127.0.0.4") + load.callsTo("127.0.0.5");
            load.awaitSucceeded(load.succeeded() + 200, WAIT);
            assertThat(load.callsTo("127.0.0.2") + load.callsTo("127.0.0.4") + load.callsTo("127.0.0.5"))
                    .as("removed endpoints take no new calls").isEqualTo(before);
            assertThat(load.failures()).isEmpty();
        }
    }

    @Test
    void terminatingEndpointGetsNoNewCallsWhileItsCallsInFlightFinish() throws Exception {
        pods = Pods.start(2, 3);
        int port = startWithService(pods, "127.0.0.2", "127.0.0.3", "127.0.0.4");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));
        List<TestCall> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // round robin: one on each pod
            slow.add(grpc.startUnary(utf8("slow"), RequestHeaders.create().delay(Duration.ofSeconds(2)).build(),
                    Duration.ofSeconds(10)));
        }
        Await.until(WAIT, () -> pods.get("127.0.0.3").stats().inFlight() == 1, () -> "a slow call on 127.0.0.3");

        try (SteadyUnaryLoad load = SteadyUnaryLoad.start(new InetSocketAddress(ProxyFixture.HOST, port), 4)) {
            updateSlice("greeter-abc", ready("127.0.0.2"),
                    ClusterObjects.endpoint("127.0.0.3", false, true, true), ready("127.0.0.4"));
            awaitEndpoints(3, 2, 1);
            load.awaitCallsStartedFromNow(WAIT);
            long started = pods.get("127.0.0.3").stats().callsStarted();
            load.awaitSucceeded(load.succeeded() + 200, WAIT);

            assertThat(pods.get("127.0.0.3").stats().callsStarted()).as("new calls on the terminating pod")
                    .isEqualTo(started);
            assertThat(load.failures()).isEmpty();
        }
        for (TestCall call : slow) {
            assertThat(call.await(WAIT).code()).isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void deletedServiceIsReportedAndCallsGetUnavailableUntilItIsRecreated() throws Exception {
        pods = Pods.start(2, 2);
        int port = startWithService(pods, "127.0.0.2", "127.0.0.3");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));

        client.services().inNamespace(NAMESPACE).withName("greeter").delete();

        Condition refs = controller.awaitCondition("greeter", "ResolvedRefs", "False", "BackendNotFound");
        assertThat(refs.getMessage()).isEqualTo("Service shop/greeter not found");
        controller.awaitCondition("greeter", "BackendsAvailable", "False", "NoReadyEndpoints");
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        CallResult failed = grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5));
        assertThat(failed.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failed.description()).contains("no endpoints");
        assertThat(warnings("greeter")).anySatisfy(event -> {
            assertThat(event.getReason()).isEqualTo("BackendNotFound");
            assertThat(event.getNote()).isEqualTo("Service shop/greeter not found");
        });

        client.resource(service(NAMESPACE, "greeter", 50051)).create();

        controller.awaitCondition("greeter", "ResolvedRefs", "True", "ResolvedRefs");
        controller.awaitCondition("greeter", "BackendsAvailable", "True", "BackendsAvailable");
        assertThat(grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5)).code()).isEqualTo(Status.Code.OK);
    }

    @Test
    void balancerCreatedBeforeItsServiceHealsWhenTheServiceAndSlicesAppear() throws Exception {
        pods = Pods.start(2, 1);
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        client.resource(balancer(NAMESPACE, "greeter", port, "greeter", 50051)).create();
        controller.awaitCondition("greeter", "ResolvedRefs", "False", "BackendNotFound");

        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        controller.awaitCondition("greeter", "ResolvedRefs", "True", "ResolvedRefs");
        controller.awaitCondition("greeter", "BackendsAvailable", "False", "NoReadyEndpoints");
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", pods.port(), ready("127.0.0.2"))).create();

        controller.awaitCondition("greeter", "BackendsAvailable", "True", "BackendsAvailable");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));
        assertThat(grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5)).backendId()).isEqualTo("127.0.0.2");
    }

    @Test
    void youngerBalancerOnATakenPortIsRejectedAndTakesOverWhenTheOlderGoes() throws Exception {
        pods = Pods.start(2, 1);
        int port = startWithService(pods, "127.0.0.2");
        GrpcBalancer younger = balancer(NAMESPACE, "zeta", port, "greeter", 50051);
        younger.getMetadata().setCreationTimestamp("2099-01-01T00:00:00Z");
        client.resource(younger).create();

        Condition accepted = controller.awaitCondition("zeta", "Accepted", "False", "PortUnavailable");
        assertThat(accepted.getMessage()).isEqualTo("port " + port + " already used by shop/greeter (the older balancer keeps it)");
        controller.awaitCondition("zeta", "Programmed", "False", "PortUnavailable");
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");

        client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName("greeter").delete();

        controller.awaitCondition("zeta", "Programmed", "True", "Programmed");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));
        assertThat(grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5)).isOk()).isTrue();
    }

    @Test
    void invalidEditIsReportedWhileTheLastValidSpecKeepsServing() throws Exception {
        pods = Pods.start(2, 1);
        int port = startWithService(pods, "127.0.0.2");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));

        client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName("greeter")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"loadBalancing\":{\"policy\":\"Fastest\"}}}");

        Condition accepted = controller.awaitCondition("greeter", "Accepted", "False", "Invalid");
        assertThat(accepted.getMessage()).startsWith("spec.loadBalancing.policy: must be one of RoundRobin,")
                .contains("still serving generation 1");
        assertThat(controller.condition("greeter", "Programmed").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5)).isOk()).isTrue();
    }

    @Test
    void unreachableApiServerLeavesTheDataPlaneServingTheLastKnownBackends() throws Exception {
        pods = Pods.start(2, 2);
        int port = startWithService(pods, "127.0.0.2", "127.0.0.3");
        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));

        server.destroy();
        Await.until(WAIT, () -> !controller.controller.isWatching(), () -> "informers notice the outage");

        Map<String, Integer> byBackend = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            CallResult result = grpc.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(5));
            assertThat(result.isOk()).as(result.toString()).isTrue();
            byBackend.merge(result.backendId(), 1, Integer::sum);
        }
        assertThat(byBackend).containsOnlyKeys("127.0.0.2", "127.0.0.3");
    }

    /** Starts the controller with Service greeter (port 50051) whose slice greeter-abc lists {@code ips}, and balancer greeter; returns its port once Programmed. */
    private int startWithService(Pods backends, String... ips) throws InterruptedException {
        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", backends.port(),
                Arrays.stream(ips).map(ClusterObjects::ready).toList())).create();
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        GrpcBalancer greeter = balancer(NAMESPACE, "greeter", port, "greeter", 50051);
        greeter.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
        client.resource(greeter).create();
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        awaitEndpoints(ips.length, ips.length, 0);
        return port;
    }

    private void updateSlice(String name, Endpoint... endpoints) {
        client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).withName(name)
                .edit(slice -> { slice.setEndpoints(List.of(endpoints)); return slice; });
    }

    private void awaitEndpoints(int total, int ready, int draining) {
        EndpointsStatus want = new EndpointsStatus(total, ready, draining);
        Await.until(WAIT, () -> {
            GrpcBalancer balancer = controller.balancer("greeter");
            return balancer.getStatus() != null && want.equals(balancer.getStatus().getEndpoints());
        }, () -> "endpoints " + want + " in " + controller.balancer("greeter").getStatus());
    }

    private List<Event> warnings(String balancer) {
        return client.events().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && balancer.equals(e.getRegarding().getName()))
                .toList();
    }

    /**
     * Zone-aware routing: a Service with trafficDistribution PreferClose whose slice puts 127.0.0.2-3
     * in zone-a and 127.0.0.4-5 in zone-b, a replica in zone-a.
     */
    @Test
    void aReplicaInZoneAKeepsItsCallsThereAndTheStatusShowsTheZones() throws Exception {
        pods = Pods.start(2, 4);
        Service service = service(NAMESPACE, "greeter", 50051);
        service.getSpec().setTrafficDistribution("PreferClose");
        client.resource(service).create();
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", pods.port(), inZone("127.0.0.2", "zone-a"),
                inZone("127.0.0.3", "zone-a"), inZone("127.0.0.4", "zone-b"), inZone("127.0.0.5", "zone-b"))).create();
        controller = ControllerFixture.start(client, ControllerFixture.settings("controller-0"),
                BalancerController.Observer.NONE, ProxyFixture.settings().withLocality("zone-a", "node-a1"));
        int port = FreePorts.freeLoopbackPort();

        client.resource(balancer(NAMESPACE, "greeter", port, "greeter", 50051)).create();
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");

        grpc = TestClient.connect(new InetSocketAddress(ProxyFixture.HOST, port));
        Map<String, Integer> byBackend = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            CallResult result = grpc.unary(utf8("hi"), RequestHeaders.none(), Duration.ofSeconds(5));
            assertThat(result.isOk()).as(result.toString()).isTrue();
            byBackend.merge(result.backendId(), 1, Integer::sum);
        }
        assertThat(byBackend).containsExactlyInAnyOrderEntriesOf(Map.of("127.0.0.2", 20, "127.0.0.3", 20));

        Await.until(WAIT, () -> zoneRouting() != null, () -> "status.zoneRouting of " + controller.balancer("greeter"));
        ZoneRoutingStatus status = zoneRouting();
        assertThat(status.getTrafficDistribution()).isEqualTo("PreferClose");
        assertThat(status.getSource()).isEqualTo("Service shop/greeter spec.trafficDistribution");
        assertThat(status.getZones()).containsExactly(new ZoneRoutingStatus.ZoneEndpoints("zone-a", 2, 2),
                new ZoneRoutingStatus.ZoneEndpoints("zone-b", 2, 2));
        assertThat(controller.dataPlane.describe().get(0).routes().get(0).backends().get(0).zoneRouting().detail())
                .isEqualTo("calls stay in zone zone-a (2 of 4 endpoints)");
    }

    private ZoneRoutingStatus zoneRouting() {
        GrpcBalancer balancer = controller.balancer("greeter");
        return balancer == null || balancer.getStatus() == null ? null : balancer.getStatus().getZoneRouting();
    }

    private static Endpoint inZone(String ip, String zone) {
        Endpoint endpoint = ready(ip);
        endpoint.setZone(zone);
        endpoint.setNodeName("node-" + ip);
        return endpoint;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
