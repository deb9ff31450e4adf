package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ClusterObjects.balancer;
import static dev.grpcbalancer.controller.ClusterObjects.ready;
import static dev.grpcbalancer.controller.ClusterObjects.service;
import static dev.grpcbalancer.controller.ClusterObjects.slice;
import static dev.grpcbalancer.controller.ControllerFixture.CONTROLLER_NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.POD_SELECTOR;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the controller writes besides status, and who writes: the managed Service of each balancer,
 * orphan cleanup, and leader election between replicas (against fabric8's CRUD mock API server).
 */
@EnableKubernetesMockClient(crud = true)
class ControllerReplicasTest {

    private static final ControllerSettings.LeaseTimings FAST_LEASE = new ControllerSettings.LeaseTimings(
            Duration.ofSeconds(8), Duration.ofSeconds(6), Duration.ofMillis(300));

    KubernetesClient client;

    private ControllerFixture first;
    private ControllerFixture second;

    @AfterEach
    void tearDown() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void managedServiceFollowsTheBalancerAndItsAddressIsReported() throws Exception {
        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        first = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        client.resource(balancer(NAMESPACE, "greeter", port, "greeter", 50051)).create();

        Service managed = awaitManagedService("gbal-shop-greeter");
        assertThat(managed.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(managed.getSpec().getSelector()).isEqualTo(POD_SELECTOR);
        assertThat(managed.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(port);
            assertThat(p.getTargetPort().getIntVal()).isEqualTo(port);
            assertThat(p.getAppProtocol()).isEqualTo("kubernetes.io/h2c");
        });
        assertThat(managed.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "grpc-balancer")
                .containsEntry("grpcbalancer.dev/balancer-namespace", NAMESPACE)
                .containsEntry("grpcbalancer.dev/balancer-name", "greeter");
        Await.until(WAIT, () -> addresses().contains(new BalancerAddress("Hostname", "gbal-shop-greeter.grpc-balancer.svc")),
                () -> "address in status: " + addresses());

        client.services().inNamespace(CONTROLLER_NAMESPACE).withName("gbal-shop-greeter").delete();
        assertThat(managedService("gbal-shop-greeter")).isNull();
        Await.until(WAIT, () -> managedService("gbal-shop-greeter") != null, () -> "the Service someone deleted is back");

        client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName("greeter")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"service\":{\"type\":\"NodePort\"}}}");
        Await.until(WAIT, () -> "NodePort".equals(managedService("gbal-shop-greeter").getSpec().getType()),
                () -> "type NodePort: " + managedService("gbal-shop-greeter"));

        client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName("greeter").delete();
        Await.until(WAIT, () -> managedService("gbal-shop-greeter") == null, () -> "Service deleted with its balancer");
    }

    @Test
    void orphanedManagedServicesAreDeletedAtStartAndOthersAreLeftAlone() throws Exception {
        client.resource(new ServiceBuilder(managedLooking("gbal-shop-gone"))
                .editMetadata().addToLabels("app.kubernetes.io/managed-by", "grpc-balancer").endMetadata().build()).create();
        client.resource(managedLooking("someone-elses")).create();

        first = ControllerFixture.start(client);

        Await.until(WAIT, () -> managedService("gbal-shop-gone") == null, () -> "orphan deleted");
        assertThat(managedService("someone-elses")).isNotNull();
    }

    @Test
    void withTwoReplicasExactlyTheLeaderWritesAndTheOtherTakesOverWhenItStops() throws Exception {
        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", 50051, ready("127.0.0.2"))).create();
        first = ControllerFixture.start(client, electing("replica-a"), BalancerController.Observer.NONE);
        Await.until(WAIT, first.controller::isLeader, () -> "replica-a leads");
        second = ControllerFixture.start(client, electing("replica-b"), BalancerController.Observer.NONE, "127.0.0.6");

        client.resource(balancer(NAMESPACE, "greeter", FreePorts.freeLoopbackPort(), "greeter", 50051)).create();
        first.awaitCondition("greeter", "Programmed", "True", "Programmed");
        Await.until(WAIT, () -> second.dataPlane.listenerStates().size() == 1, () -> "replica-b serves too");
        assertThat(second.controller.isLeader()).isFalse();
        assertThat(first.controller.statusWrites()).isPositive();
        assertThat(second.controller.statusWrites()).isZero();

        first.close();
        first = null;
        Await.until(WAIT, second.controller::isLeader, () -> "replica-b takes over");
        client.services().inNamespace(NAMESPACE).withName("greeter").delete();
        second.awaitCondition("greeter", "ResolvedRefs", "False", "BackendNotFound");
        assertThat(second.controller.statusWrites()).isPositive();
    }

    @Test
    void watchesTheListedNamespacesOnlyOrAllOfThem() throws Exception {
        for (String ns : new String[] {"shop", "billing", "other"}) {
            client.resource(balancer(ns, "api", FreePorts.freeLoopbackPort(), "api", 50051)).create();
        }
        first = ControllerFixture.start(client, ControllerFixture.settings("listed")
                .withNamespaces(java.util.Set.of("shop", "billing")), BalancerController.Observer.NONE);

        Await.until(WAIT, () -> hasStatus("shop") && hasStatus("billing"), () -> "status in shop and billing");
        assertThat(first.dataPlane.listenerStates()).hasSize(2);
        assertThat(hasStatus("other")).isFalse();
        first.close();

        first = ControllerFixture.start(client, ControllerFixture.settings("all").withAllNamespaces(),
                BalancerController.Observer.NONE);
        Await.until(WAIT, () -> hasStatus("other"), () -> "status in other");
        assertThat(first.dataPlane.listenerStates()).hasSize(3);
    }

    private boolean hasStatus(String namespace) {
        GrpcBalancer balancer = client.resources(GrpcBalancer.class).inNamespace(namespace).withName("api").get();
        return balancer.getStatus() != null && balancer.getStatus().getConditions() != null;
    }

    private static ControllerSettings electing(String identity) {
        return ControllerFixture.settings(identity).withLeaderElection(true, "grpc-balancer", FAST_LEASE);
    }

    private static Service managedLooking(String name) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(CONTROLLER_NAMESPACE).withName(name).endMetadata()
                .withNewSpec().addNewPort().withPort(1234).endPort().withSelector(Map.of("app", "x")).endSpec()
                .build();
    }

    private Service managedService(String name) {
        return client.services().inNamespace(CONTROLLER_NAMESPACE).withName(name).get();
    }

    private Service awaitManagedService(String name) {
        Await.until(WAIT, () -> managedService(name) != null, () -> "Service " + name);
        return managedService(name);
    }

    private java.util.List<BalancerAddress> addresses() {
        GrpcBalancer balancer = first.balancer("greeter");
        return balancer.getStatus() == null || balancer.getStatus().getAddresses() == null
                ? java.util.List.of() : balancer.getStatus().getAddresses();
    }
}
