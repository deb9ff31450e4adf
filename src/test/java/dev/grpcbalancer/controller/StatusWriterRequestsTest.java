package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ClusterObjects.balancer;
import static dev.grpcbalancer.controller.ClusterObjects.ready;
import static dev.grpcbalancer.controller.ClusterObjects.service;
import static dev.grpcbalancer.controller.ClusterObjects.slice;
import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the status writer asks the API server for, from the mock server's request log: the
 * controller's own requests, told apart from the test's by their User-Agent.
 */
@EnableKubernetesMockClient(crud = true)
class StatusWriterRequestsTest {

    private static final String USER_AGENT = "status-writer-requests-test";
    private static final String BALANCER_PATH = "/apis/grpcbalancer.dev/v1alpha1/namespaces/" + NAMESPACE
            + "/grpcbalancers/greeter";

    KubernetesClient client;
    KubernetesMockServer server;

    private KubernetesClient controllerClient;
    private ControllerFixture controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
        if (controllerClient != null) {
            controllerClient.close();
        }
    }

    @Test
    void eachStatusWriteIsOnePatchWithNoReadOfTheObjectFirst() throws Exception {
        client.resource(service(NAMESPACE, "greeter", 50051)).create();
        client.resource(slice(NAMESPACE, "greeter-abc", "greeter", 50051, ready("127.0.0.2"), ready("127.0.0.3"))).create();
        client.resource(balancer(NAMESPACE, "greeter", FreePorts.freeLoopbackPort(), "greeter", 50051)).create();
        controllerClient = ApiClients.create(new ConfigBuilder(Config.empty()).withMasterUrl(client.getMasterUrl().toString())
                .withTrustCerts(true).withNamespace(ControllerFixture.CONTROLLER_NAMESPACE).withUserAgent(USER_AGENT).build());
        controller = ControllerFixture.start(controllerClient);

        awaitEndpoints(2);
        client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).withName("greeter-abc").edit(slice -> {
            slice.setEndpoints(List.of(ready("127.0.0.2"), ready("127.0.0.3"), ready("127.0.0.4")));
            return slice;
        });
        awaitEndpoints(3);
        BalancerController stopped = controller.controller;
        controller.close();
        controller = null;

        List<String> requests = controllerRequests();
        long patches = requests.stream().filter(("PATCH " + BALANCER_PATH + "/status")::equals).count();
        assertThat(requests).as("the controller's requests").doesNotContain("GET " + BALANCER_PATH);
        assertThat(patches).as("status patches in %s", requests).isGreaterThanOrEqualTo(2);
        assertThat(patches).as("status patches in %s", requests).isEqualTo(stopped.statusWrites());
    }

    private void awaitEndpoints(int ready) {
        EndpointsStatus want = new EndpointsStatus(ready, ready, 0);
        Await.until(WAIT, () -> {
            GrpcBalancer balancer = client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName("greeter").get();
            return balancer.getStatus() != null && want.equals(balancer.getStatus().getEndpoints());
        }, () -> "status endpoints " + want);
    }

    /** The controller's requests so far, as {@code METHOD path} without the query. */
    private List<String> controllerRequests() throws InterruptedException {
        List<String> requests = new ArrayList<>();
        RecordedRequest request;
        while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            if (USER_AGENT.equals(request.getHeader("User-Agent"))) {
                String path = request.getPath();
                requests.add(request.getMethod() + " " + (path.contains("?") ? path.substring(0, path.indexOf('?')) : path));
            }
        }
        return requests;
    }
}
