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
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Zone-aware routing through the controller: a Service with {@code trafficDistribution:
 * PreferClose} whose EndpointSlice puts 127.0.0.2-3 in zone-a and 127.0.0.4-5 in zone-b, a
 * balancer replica in zone-a, real calls, and the status the controller writes.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerZoneRoutingTest {

    KubernetesClient client;

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
        Map<String, Integer> byBackend = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            CallResult result = grpc.unary("hi".getBytes(StandardCharsets.UTF_8), RequestHeaders.none(),
                    Duration.ofSeconds(5));
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
        assertThat(controller.dataPlane.describe().get(0).zoneRouting().detail())
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
}
